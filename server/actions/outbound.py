"""Outbound delivery through the outbox: e-mail (SMTP), signed webhooks, Slack-compatible webhooks and
Matrix rooms (config alerts.channels and alerts.smtp).

Whatever must leave livehelp is first a row in `outbox`, written in the transaction that decided it;
`deliver_due` (a scheduled job) sends the due rows through the injected OutboundClient. So a delivery
survives a restart and is sent at least once; its id travels with it (webhook header and body, Matrix
transaction id, e-mail Message-ID) so a receiver can drop a repeat. A failure is retried with doubling
waits (retry_base .. retry_max) and marked `failed` after max_attempts; admins read the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import iso
from server.deps import Deps
from server.errors import Forbidden, Invalid
from server.storage.facts import load_actor
from server.storage.models.alerts import Alert, AlertPreference, Outbox

log = logging.getLogger("livehelp.outbound")

PENDING, SENT, FAILED = "pending", "sent", "failed"
EMAIL = "email"  # the per-person e-mail channel (address on the row)
SIGNATURE_HEADER = "X-Livehelp-Signature"
DELIVERY_HEADER = "X-Livehelp-Delivery"
# A claimed row is retried after this if its process died mid-send (at-least-once).
LEASE = dt.timedelta(seconds=120)
BATCH = 50


def sign(secret: str, body: bytes) -> str:
    """The webhook signature header value: sha256=HEX(HMAC-SHA256(secret, raw body))."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_text(payload: dict[str, Any], link: str) -> tuple[str, str]:
    """(subject, body) of an alert for people and chat rooms; never more than the alert itself says."""
    kind = str(payload.get("kind", "alert")).replace("_", " ")
    case = payload.get("case_id")
    subject = f"[livehelp] {kind}" + (f" on case #{case}" if case is not None else "")
    lines = [str(payload.get("message") or subject)]
    if link:
        lines.append(f"Open: {link}")
    return subject[:200], "\n".join(lines)


def case_link(deps: Deps, case_id: Any) -> str:
    if not isinstance(case_id, int):
        return ""
    return deps.config.alerts.public_url + deps.config.escalation.link(case_id)


async def preference(s: AsyncSession, deps: Deps, account_id: int) -> tuple[str, tuple[str, ...]]:
    """(e-mail address, kinds that reach this person off-line)."""
    pref = await s.get(AlertPreference, account_id)
    if pref is None:
        return "", deps.config.alerts.offline_kinds
    return pref.email, tuple(pref.kinds or ())


async def queue_offline_alerts(s: AsyncSession, deps: Deps, rows: Iterable[Alert], online: set[int],
                               now: dt.datetime) -> list[int]:
    """An e-mail to each recipient who is not connected, wants this kind off-line and gave an address."""
    if not deps.config.alerts.smtp.enabled:
        return []
    queued: list[int] = []
    for row in rows:
        if row.account_id in online:
            continue
        email, kinds = await preference(s, deps, row.account_id)
        if not email or row.kind not in kinds:
            continue
        subject, body = alert_text(row.payload, case_link(deps, row.case_id))
        out = Outbox(channel=EMAIL, status=PENDING, kind=row.kind, case_id=row.case_id, alert_id=row.id,
                     address=email, subject=subject, body=body, payload={"alert_id": row.id}, created_at=now,
                     next_attempt_at=now, attempts=0)
        s.add(out)
        queued.append(row.account_id)
    if queued:
        await s.flush()
    return queued


async def queue_channel(s: AsyncSession, deps: Deps, channel: str, payload: dict[str, Any], now: dt.datetime) -> int:
    """One delivery of an alert to a configured channel (webhook, slack, matrix, email)."""
    subject, body = alert_text(payload, case_link(deps, payload.get("case_id")))
    case_id = payload.get("case_id")
    out = Outbox(channel=channel, status=PENDING, kind=str(payload.get("kind", "alert")),
                 case_id=case_id if isinstance(case_id, int) else None, alert_id=None, address="",
                 subject=subject, body=body, payload=payload, created_at=now, next_attempt_at=now, attempts=0)
    s.add(out)
    await s.flush()
    return out.id


async def queue_email(s: AsyncSession, address: str, kind: str, case_id: int | None, subject: str, body: str,
                      now: dt.datetime) -> int:
    """An e-mail to one address (a requester's reply notice)."""
    out = Outbox(channel=EMAIL, status=PENDING, kind=kind, case_id=case_id, alert_id=None, address=address,
                 subject=subject[:200], body=body, payload={}, created_at=now, next_attempt_at=now, attempts=0)
    s.add(out)
    await s.flush()
    return out.id


# --- delivering -------------------------------------------------------------------------------------


def _mail(deps: Deps, row: Outbox, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = deps.config.alerts.smtp.sender
    msg["To"] = to
    msg["Subject"] = row.subject
    domain = deps.config.alerts.smtp.sender.rpartition("@")[2] or "livehelp"
    msg["Message-ID"] = f"<livehelp-outbox-{row.id}@{domain}>"
    msg["X-Livehelp-Delivery"] = str(row.id)
    msg.set_content(row.body)
    return msg


async def _send(deps: Deps, row: Outbox) -> None:
    """One attempt; raises on failure."""
    cfg = deps.config.alerts
    if row.channel == EMAIL:
        await deps.outbound.send_mail(_mail(deps, row, row.address), cfg.smtp)
        return
    ch = cfg.channel(row.channel)
    if ch is None:
        raise RuntimeError(f"no channel named {row.channel!r} in alerts.channels any more")
    if ch.type == "email":
        for to in ch.to:
            await deps.outbound.send_mail(_mail(deps, row, to), cfg.smtp)
    elif ch.type == "webhook":
        body = json.dumps({"id": row.id, "kind": row.kind, "case_id": row.case_id, "created_at": iso(row.created_at),
                           "text": row.body, "alert": row.payload}, separators=(",", ":")).encode()
        await deps.outbound.request("POST", ch.url, body, {
            "Content-Type": "application/json", DELIVERY_HEADER: str(row.id), SIGNATURE_HEADER: sign(ch.secret, body)})
    elif ch.type == "slack":
        body = json.dumps({"text": f"{row.subject}\n{row.body}"}).encode()
        await deps.outbound.request("POST", ch.url, body, {"Content-Type": "application/json",
                                                          DELIVERY_HEADER: str(row.id)})
    elif ch.type == "matrix":
        url = (f"{ch.url}/_matrix/client/v3/rooms/{quote(ch.room, safe='')}/send/m.room.message/"
               f"livehelp-{row.id}")
        body = json.dumps({"msgtype": "m.text", "body": f"{row.subject}\n{row.body}"}).encode()
        await deps.outbound.request("PUT", url, body, {"Content-Type": "application/json",
                                                      "Authorization": f"Bearer {ch.access_token}"})


def backoff(deps: Deps, attempts: int) -> float:
    cfg = deps.config.alerts
    return float(min(cfg.retry_max, cfg.retry_base * (2 ** max(0, attempts - 1))))


async def deliver_due(deps: Deps, now: dt.datetime) -> dict[str, list[int]]:
    """Send every due pending delivery once. Each row is claimed first (attempts+1 and a lease on
    next_attempt_at, a conditional update), so two processes never send it at the same time, and a
    process that dies mid-send leaves it to be retried after the lease."""
    done: dict[str, list[int]] = {"sent": [], "retry": [], "failed": []}
    async with deps.locks.outbox:
        async with deps.db.transaction() as s:
            rows = list((await s.execute(select(Outbox).where(Outbox.status == PENDING, Outbox.next_attempt_at <= now)
                                         .order_by(Outbox.next_attempt_at, Outbox.id).limit(BATCH))).scalars())
            claimed: list[Outbox] = []
            for row in rows:
                r = await s.execute(update(Outbox).where(Outbox.id == row.id, Outbox.attempts == row.attempts,
                                                         Outbox.status == PENDING)
                                    .values(attempts=row.attempts + 1, next_attempt_at=now + LEASE)
                                    .execution_options(synchronize_session=False))
                if r.rowcount == 1:  # type: ignore[attr-defined]
                    row.attempts += 1
                    claimed.append(row)
        for row in claimed:
            error: str | None = None
            try:
                await _send(deps, row)
            except Exception as exc:  # any failure is recorded and retried
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with deps.db.transaction() as s:
                if error is None:
                    values: dict[str, Any] = {"status": SENT, "sent_at": deps.clock.now(), "last_error": None}
                    done["sent"].append(row.id)
                elif row.attempts >= deps.config.alerts.max_attempts:
                    values = {"status": FAILED, "last_error": error}
                    done["failed"].append(row.id)
                else:
                    values = {"last_error": error,
                              "next_attempt_at": now + dt.timedelta(seconds=backoff(deps, row.attempts))}
                    done["retry"].append(row.id)
                await s.execute(update(Outbox).where(Outbox.id == row.id).values(**values)
                                .execution_options(synchronize_session=False))
            if error is not None:
                log.warning("outbound delivery failed",
                            extra={"outbox_id": row.id, "channel": row.channel, "attempts": row.attempts})
    return done


# --- the admin's delivery log and each person's preference ------------------------------------------


def delivery_view(row: Outbox) -> dict[str, Any]:
    return {"id": row.id, "channel": row.channel, "status": row.status, "kind": row.kind, "case_id": row.case_id,
            "alert_id": row.alert_id, "to": row.address or None, "subject": row.subject, "attempts": row.attempts,
            "last_error": row.last_error, "created_at": iso(row.created_at),
            "next_attempt_at": iso(row.next_attempt_at) if row.status == PENDING else None,
            "sent_at": iso(row.sent_at)}


async def delivery_log(deps: Deps, actor_id: int, status: str | None, limit: int) -> dict[str, Any]:
    """GET /api/admin/deliveries: newest first, with counts per status (admins only)."""
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        if not actor.has("admin"):
            raise Forbidden("only admins see the delivery log")
        if status is not None and status not in (PENDING, SENT, FAILED):
            raise Invalid("status is one of pending, sent, failed", field="status")
        q = select(Outbox)
        if status is not None:
            q = q.where(Outbox.status == status)
        rows = list((await s.execute(q.order_by(Outbox.id.desc()).limit(limit))).scalars())
        counts = dict((await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all())
    return {"deliveries": [delivery_view(r) for r in rows],
            "counts": {k: int(counts.get(k, 0)) for k in (PENDING, SENT, FAILED)}}


async def get_preferences(deps: Deps, actor_id: int) -> dict[str, Any]:
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        if not actor.is_staff:
            raise Forbidden("only staff receive alerts")
        email, kinds = await preference(s, deps, actor_id)
    return {"preferences": {"email": email, "kinds": list(kinds)}}


async def set_preferences(deps: Deps, actor_id: int, email: str, kinds: list[str]) -> dict[str, Any]:
    """PUT /api/me/alert-preferences: which kinds reach me off-line, and at which address."""
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        if not actor.is_staff:
            raise Forbidden("only staff receive alerts")
        pref = await s.get(AlertPreference, actor_id)
        if pref is None:
            s.add(AlertPreference(account_id=actor_id, email=email, kinds=sorted(set(kinds)), updated_at=now))
        else:
            pref.email, pref.kinds, pref.updated_at = email, sorted(set(kinds)), now
    return {"preferences": {"email": email, "kinds": sorted(set(kinds))}}
