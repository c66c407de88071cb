"""Service levels: nothing waits silently. A periodic job raises `alert` {"kind": "sla_breach", ...}.

The job runs a list of checks; each returns Breach records, and each breach's `key` is remembered in
Case.sla_alerts so every threshold alerts once per case. The help desk's own check is time to first
response (created_at until the first staff `chat`) against `helpdesk.sla.first_response_warning` and
`helpdesk.sla.first_response_goal`. Other areas add checks with `register_check(deps, check)` in their
wiring (e.g. escalation route targets), using their own keys (e.g. "route:goal") and, if they want,
their own recipients (`Breach.to`); by default breaches go to the on-duty monitors (to every admin,
connected or not, when no monitor is on duty). Alerts are stored per recipient (actions/alerts.py) in
the job's transaction, with the remembered breach.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import lifecycle
from server.actions import alerts
from server.deps import Deps
from server.notify import ADMINS, Effect, Emit, account_room
from server.storage import duty
from server.storage.models import Account, AccountRole, Case

log = logging.getLogger("livehelp.sla")

# Statuses in which a case still waits for its first response.
WAITING = (lifecycle.QUEUED, lifecycle.ACTIVE, lifecycle.ON_HOLD)


@dataclass(frozen=True)
class Breach:
    case_id: int
    # Remembered in Case.sla_alerts; a key alerts once per case ("warning", "goal", "route:goal" ...).
    key: str
    # The alert body; "kind": "sla_breach" and "case_id" are filled in if missing.
    payload: dict[str, Any]
    # Socket.IO rooms to alert; None = the on-duty monitors.
    to: tuple[str, ...] | None = None


SlaCheck = Callable[[AsyncSession, Deps, dt.datetime], Awaitable[list[Breach]]]


async def first_response_check(s: AsyncSession, deps: Deps, now: dt.datetime) -> list[Breach]:
    cfg = deps.config.helpdesk.sla
    levels = (("warning", cfg.first_response_warning), ("goal", cfg.first_response_goal))
    cutoff = now - dt.timedelta(seconds=cfg.first_response_warning)
    cases = (await s.execute(select(Case).where(
        Case.first_response_at.is_(None), Case.status.in_(WAITING), Case.created_at <= cutoff))).scalars()
    out: list[Breach] = []
    for c in cases:
        waited = (now - c.created_at).total_seconds()
        for level, threshold in levels:
            if waited >= threshold:
                out.append(Breach(c.id, level, {
                    "kind": "sla_breach", "case_id": c.id, "sla": "first_response", "level": level,
                    "threshold_seconds": int(threshold), "waited_seconds": int(waited),
                    "status": c.status, "queue": c.queue, "topic": c.topic, "room_id": c.room_id,
                }))
    return out


def register_check(deps: Deps, check: SlaCheck) -> None:
    """Add an SLA check (another area's wiring calls this); it runs in every run_once."""
    checks(deps).append(check)


def checks(deps: Deps) -> list[SlaCheck]:
    return deps.sla_checks


async def monitors_on_duty(s: AsyncSession, now: dt.datetime) -> list[int]:
    ids = [r[0] for r in (await s.execute(
        select(AccountRole.account_id).where(AccountRole.role == "monitor").distinct())).all()]
    if not ids:
        return []
    accounts = list((await s.execute(select(Account).where(Account.id.in_(ids),
                                                           Account.disabled.is_(False)))).scalars())
    return sorted(await duty.on_duty_ids(s, accounts, now))


async def run_once(deps: Deps, now: dt.datetime) -> list[Breach]:
    """Raise every breach not raised before; returns the ones raised now (and sends their alerts)."""
    async with deps.locks.sla:
        raised: list[Breach] = []
        async with deps.db.transaction() as s:
            found: list[Breach] = []
            for check in list(checks(deps)):
                found.extend(await check(s, deps, now))
            if not found:
                return []
            ids = sorted({b.case_id for b in found})
            # Row locks: with several processes only one raises a given breach (no-op on SQLite,
            # which has one writer at a time anyway, and this process's job is serialised by the lock).
            rows = {c.id: c for c in (await s.execute(
                select(Case).where(Case.id.in_(ids)).with_for_update(skip_locked=True))).scalars()}
            for case_id in ids:
                case = rows.get(case_id)
                if case is None:
                    continue
                done = set(case.sla_alerts or [])
                new = [b for b in found if b.case_id == case_id and b.key not in done]
                if not new:
                    continue
                case.sla_alerts = sorted(done | {b.key for b in new})
                raised.extend(new)
            monitors = await monitors_on_duty(s, now) if any(b.to is None for b in raised) else []
            effects: list[Effect] = []
            # Every admin (connected or not: alerts are stored) when no monitor is on duty.
            default_to = tuple(account_room(m) for m in monitors) or (ADMINS,)
            for b in raised:
                payload = {"kind": "sla_breach", "case_id": b.case_id, **b.payload}
                effects.append(Emit("alert", payload, b.to if b.to is not None else default_to))
            # Stored with the remembered breach, in one transaction: each recipient gets it exactly once.
            effects = await alerts.store(s, deps, effects, now)
        if raised:
            log.info("sla breaches raised", extra={"count": len(raised)})
        await send(deps, effects)
        return raised


async def send(deps: Deps, effects: list[Effect]) -> None:
    """Jobs have no transport: they send through the notifier injected in Deps."""
    if effects:
        await deps.notifier.send(effects)
