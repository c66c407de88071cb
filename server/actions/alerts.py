"""Stored alerts: every `alert` is a row per recipient, so nothing told to staff can silently vanish.

Raising an alert stores one row per recipient (connected or not) and emits the `alert` event to each
with that row's `id`; a recipient who was not connected gets every unacknowledged alert on connect
(replay). `alert.ack` records who acknowledged and when; acknowledging an alert that belongs to an
escalation chain stops the chain (alerts.chains in config.yaml; advance_chains fires the later steps).

Actions that raise alerts either call `raise_alert` inside their own transaction (so the alert is as
durable as the change that caused it) or return a plain `Emit("alert", ...)`: the notifier then stores
it with `store_after_commit` before sending, so no alert reaches only the sockets connected at the time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.actions import outbound
from server.actions.messages import system_emit
from server.clock import iso, span
from server.deps import Deps
from server.errors import NotFound
from server.notify import ADMINS, MONITORS, Effect, Emit, account_room
from server.storage import audiences
from server.storage.facts import connected_accounts
from server.storage.messages import append_system_message
from server.storage.models import Account, AccountRole, Case
from server.storage.models.alerts import Alert, AlertChain

log = logging.getLogger("livehelp.alerts")

# How urgent each kind is (the console sorts and colours by it); unknown kinds are "normal".
SEVERITY = {
    "personal_escalation": "critical", "blocker": "critical", "sla_breach": "high", "escalation": "high",
    "expert_mention": "normal", "transfer": "normal", "supervision": "normal", "supervision_lost": "high",
    "supervision_ended": "normal", "takeover": "normal", "handback": "normal", "waiting_cases": "normal",
    "unclaimed": "normal",
    "vouch": "low", "promotion_eligible": "low", "promoted": "low",
}
# Kinds whose stored alerts and chain steps are written on the case note (who was alerted, who acknowledged).
NOTED_KINDS = frozenset({"personal_escalation", "sla_breach", "blocker"})
LIST_LIMIT = 200


def severity_of(payload: dict[str, Any]) -> str:
    given = payload.get("severity")
    if isinstance(given, str) and given:
        return given
    if payload.get("kind") == "sla_breach" and payload.get("level") == "warning":
        return "normal"
    return SEVERITY.get(str(payload.get("kind")), "normal")


@dataclass
class Raised:
    """What raising one alert did: the events to send, who got a row, and the chain it started."""

    effects: list[Effect] = field(default_factory=list)
    recipients: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    chain_id: int | None = None

    @property
    def who(self) -> str:
        """The recipients' names for a case note ("nobody" when there was nobody to alert)."""
        return ", ".join(self.names) if self.names else "nobody"


def alert_view(a: Alert, acknowledged_by: str | None = None) -> dict[str, Any]:
    """The `alert` event and `alert.list` item: the raised payload plus the stored row's fields."""
    return {**(a.payload or {}), "id": a.id, "kind": a.kind, "case_id": a.case_id, "severity": a.severity,
            "created_at": iso(a.created_at), "delivered_at": iso(a.delivered_at),
            "acknowledged_at": iso(a.acknowledged_at),
            "acknowledged_by": ({"id": a.acknowledged_by, "display_name": acknowledged_by}
                                if a.acknowledged_by is not None else None)}


async def names_of(s: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict((await s.execute(select(Account.id, Account.display_name).where(Account.id.in_(wanted)))).all())


async def raise_alert(s: AsyncSession, deps: Deps, payload: dict[str, Any], recipients: Iterable[int],
                      now: dt.datetime, *, chain: bool = True, chain_id: int | None = None,
                      skip: Iterable[int] = ()) -> Raised:
    """Store one row per recipient and return the per-recipient `alert` events (each with its row id).

    `chain`: start the kind's escalation chain (config alerts.chains) when it has one and the alert is
    about a case, even when nobody could be alerted now (the later steps still fire). `skip`: accounts
    that already have this alert (a later chain step does not alert the same person twice).
    """
    kind = str(payload.get("kind") or "alert")
    raw_case = payload.get("case_id")
    case_id = raw_case if isinstance(raw_case, int) else None
    sev = severity_of(payload)
    body = {k: v for k, v in payload.items() if k not in ("id",)}
    out = Raised(chain_id=chain_id)
    if chain and chain_id is None and case_id is not None:
        steps = deps.config.alerts.chain(kind)
        if steps:
            row = AlertChain(kind=kind, case_id=case_id, payload=body, started_at=now, step=0,
                             next_at=now + dt.timedelta(seconds=steps[0].after))
            s.add(row)
            await s.flush()
            out.chain_id = row.id
    people = sorted(set(recipients) - set(skip))
    if not people:
        return out
    online = await connected_accounts(s, people)
    rows = [Alert(account_id=a, kind=kind, case_id=case_id, severity=sev, payload=body, chain_id=out.chain_id,
                  created_at=now, delivered_at=now if a in online else None) for a in people]
    s.add_all(rows)
    await s.flush()
    names = await names_of(s, people)
    out.recipients = people
    out.names = [names.get(a, f"#{a}") for a in people]
    out.effects = [Emit("alert", alert_view(r), (account_room(r.account_id),), stored=True) for r in rows]
    await outbound.queue_offline_alerts(s, deps, rows, online, now)
    return out


async def accounts_in(s: AsyncSession, deps: Deps, rooms: Sequence[str], now: dt.datetime) -> tuple[set[int], list[str]]:
    """Socket.IO rooms an alert was addressed to -> the accounts they stand for, connected or not.
    Returns (account ids, rooms that name no accounts and are sent as they are)."""
    ids: set[int] = set()
    other: list[str] = []
    for room in rooms:
        kind, _, arg = room.partition(":")
        if kind == "account" and arg.isdigit():
            ids.add(int(arg))
        elif room == ADMINS:
            ids |= set((await s.execute(select(AccountRole.account_id).join(Account, Account.id == AccountRole.account_id)
                                        .where(AccountRole.role == "admin", Account.disabled.is_(False)))).scalars())
        elif room == MONITORS:
            ids |= await audiences.resolve(s, ["on_duty:monitor"], now)
        else:
            other.append(room)
    return ids, other


async def store(s: AsyncSession, deps: Deps, effects: Sequence[Effect], now: dt.datetime) -> list[Effect]:
    """Store every not-yet-stored `alert` among `effects` (inside the caller's transaction)."""
    out: list[Effect] = []
    for e in effects:
        if not (isinstance(e, Emit) and e.event == "alert" and not e.stored and isinstance(e.data, dict)):
            out.append(e)
            continue
        ids, other = await accounts_in(s, deps, e.to, now)
        raised = await raise_alert(s, deps, e.data, ids, now)
        out.extend(raised.effects)
        if raised.chain_id is not None or (ids and e.data.get("kind") in NOTED_KINDS):
            note = await note_raised(s, e.data, raised, now)
            if note is not None:
                out.append(note)
        if other:
            out.append(Emit("alert", e.data, tuple(other), e.skip_sid))
    return out


async def store_after_commit(deps: Deps, effects: list[Effect]) -> list[Effect]:
    """The notifier's safety net: alerts an action returned without storing are stored now."""
    async with deps.db.transaction() as s:
        return await store(s, deps, effects, deps.clock.now())


async def note_raised(s: AsyncSession, payload: dict[str, Any], raised: Raised, now: dt.datetime) -> Emit | None:
    """The staff-only case note naming exactly who was alerted (and that a chain runs)."""
    case_id = payload.get("case_id")
    if not isinstance(case_id, int):
        return None
    room_id = (await s.execute(select(Case.room_id).where(Case.id == case_id))).scalar_one_or_none()
    if room_id is None:
        return None
    kind = str(payload.get("kind"))
    text = f"Alert {kind.replace('_', ' ')} sent to {raised.who} at {iso(now)}."
    if raised.chain_id is not None:
        text += " It escalates further unless someone acknowledges it."
    msg = await append_system_message(s, room_id, text, now, {"event": "alert_raised", "kind": kind,
                                                                "chain_id": raised.chain_id,
                                                                "recipients": raised.recipients}, kind="note")
    return system_emit(msg)


# --- reading and acknowledging ----------------------------------------------------------------------


async def pending_for(deps: Deps, account_id: int) -> list[dict[str, Any]]:
    """Every unacknowledged alert of an account, oldest first; marks them delivered (replay on connect)."""
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        rows = list((await s.execute(select(Alert).where(Alert.account_id == account_id,
                                                         Alert.acknowledged_at.is_(None))
                                     .order_by(Alert.created_at, Alert.id).limit(LIST_LIMIT))).scalars())
        undelivered = [r.id for r in rows if r.delivered_at is None]
        if undelivered:
            await s.execute(update(Alert).where(Alert.id.in_(undelivered)).values(delivered_at=now)
                            .execution_options(synchronize_session=False))
            for r in rows:
                if r.delivered_at is None:
                    r.delivered_at = now
        return [alert_view(r) for r in rows]


async def list_alerts(deps: Deps, account_id: int, unacknowledged: bool) -> dict[str, Any]:
    """alert.list: the caller's alerts, newest first (bounded)."""
    async with deps.db.read() as s:
        q = select(Alert).where(Alert.account_id == account_id)
        if unacknowledged:
            q = q.where(Alert.acknowledged_at.is_(None))
        rows = list((await s.execute(q.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(LIST_LIMIT))).scalars())
        names = await names_of(s, [r.acknowledged_by for r in rows if r.acknowledged_by is not None])
        count = len((await s.execute(select(Alert.id).where(Alert.account_id == account_id,
                                                            Alert.acknowledged_at.is_(None)))).all())
    return {"alerts": [alert_view(r, names.get(r.acknowledged_by or 0)) for r in rows], "unacknowledged": count}


async def acknowledge(deps: Deps, account_id: int, alert_id: int) -> list[Effect]:
    """alert.ack: only the recipient acknowledges (anyone else: not_found, as for a missing id); the
    first acknowledgement of a chained alert stops the chain and is written on the case note."""
    now = deps.clock.now()
    effects: list[Effect] = []
    async with deps.db.transaction() as s:
        row = (await s.execute(select(Alert).where(Alert.id == alert_id, Alert.account_id == account_id))
               ).scalar_one_or_none()
        if row is None:
            raise NotFound("no such alert")
        if row.acknowledged_at is not None:
            return []
        await s.execute(update(Alert).where(Alert.id == row.id, Alert.acknowledged_at.is_(None))
                        .values(acknowledged_at=now, acknowledged_by=account_id)
                        .execution_options(synchronize_session=False))
        if row.chain_id is not None:
            stopped = await s.execute(update(AlertChain).where(AlertChain.id == row.chain_id,
                                                               AlertChain.acknowledged_at.is_(None))
                                      .values(acknowledged_at=now, acknowledged_by=account_id, next_at=None)
                                      .execution_options(synchronize_session=False))
            if stopped.rowcount == 1 and row.case_id is not None:  # type: ignore[attr-defined]
                name = (await names_of(s, [account_id])).get(account_id, "someone")
                room_id = (await s.execute(select(Case.room_id).where(Case.id == row.case_id))).scalar_one_or_none()
                if room_id is not None:
                    msg = await append_system_message(
                        s, room_id, f"{name} acknowledged the {row.kind.replace('_', ' ')} alert at {iso(now)}; "
                        "its escalation chain stopped.", now,
                        {"event": "alert_acknowledged", "chain_id": row.chain_id, "by": account_id}, kind="note")
                    effects.append(system_emit(msg))
    log.info("alert acknowledged", extra={"alert_id": alert_id, "account_id": account_id})
    return effects


# --- escalation chains ------------------------------------------------------------------------------


async def advance_chains(deps: Deps, now: dt.datetime) -> list[int]:
    """Fire every chain step that is due and unacknowledged; returns the chain ids advanced.

    State lives in alert_chains (step, next_at), and each step is claimed by a conditional update on
    (id, step), so a restart neither loses nor repeats a step and several processes may run this.
    """
    cfg = deps.config.alerts
    advanced: list[int] = []
    effects: list[Effect] = []
    async with deps.db.transaction() as s:
        due = list((await s.execute(select(AlertChain).where(
            AlertChain.next_at.is_not(None), AlertChain.next_at <= now, AlertChain.acknowledged_at.is_(None))
            .order_by(AlertChain.next_at, AlertChain.id))).scalars())
        for ch in due:
            steps = cfg.chain(ch.kind)
            index = ch.step
            nxt = (ch.started_at + dt.timedelta(seconds=steps[index + 1].after)) if index + 1 < len(steps) else None
            claimed = await s.execute(update(AlertChain).where(
                AlertChain.id == ch.id, AlertChain.step == index, AlertChain.acknowledged_at.is_(None))
                .values(step=index + 1, next_at=nxt).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            if index >= len(steps):  # config lost steps since: nothing left to fire
                continue
            step = steps[index]
            specs = [deps.config.escalation.on_call if a == "on_call" else (a,) for a in step.audiences]
            targets = await audiences.resolve(s, [x for spec in specs for x in spec], now, case_id=ch.case_id)
            already = set((await s.execute(select(Alert.account_id).where(Alert.chain_id == ch.id))).scalars())
            payload = {**ch.payload, "chain_step": index + 1}
            raised = await raise_alert(s, deps, payload, targets, now, chain_id=ch.id, skip=already)
            effects += raised.effects
            sent_to = [c for c in step.channels if deps.config.alerts.channel(c) is not None]
            for channel in sent_to:
                await outbound.queue_channel(s, deps, channel, payload, now)
            effects += await _note_step(s, ch, index + 1, step.after, raised, sent_to, now)
            advanced.append(ch.id)
    if advanced:
        log.info("alert chains advanced", extra={"count": len(advanced)})
    await deps.notifier.send(effects)
    return advanced


async def _note_step(s: AsyncSession, ch: AlertChain, number: int, after: float, raised: Raised,
                     channels: list[str], now: dt.datetime) -> list[Effect]:
    if ch.case_id is None:
        return []
    room_id = (await s.execute(select(Case.room_id).where(Case.id == ch.case_id))).scalar_one_or_none()
    if room_id is None:
        return []
    who = raised.who if raised.names else ("nobody new" if not channels else "")
    parts = [p for p in (who, ", ".join(f"the {c} channel" for c in channels)) if p]
    text = (f"Nobody acknowledged the {ch.kind.replace('_', ' ')} alert within {span(after)}: step {number + 1} "
            f"alerted {' and '.join(parts)} at {iso(now)}.")
    msg = await append_system_message(s, room_id, text, now, {
        "event": "alert_chain_step", "chain_id": ch.id, "step": number, "recipients": raised.recipients,
        "channels": channels}, kind="note")
    return [system_emit(msg)]


