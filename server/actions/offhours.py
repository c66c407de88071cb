"""Off-hours: nothing that waited while nobody was on duty is forgotten.

When a person comes on duty (the duty.set toggle, or a scheduled shift that begins), they get one stored
`alert` {"kind": "waiting_cases"} listing the queued cases of the queues they serve, oldest first
(monitors: every queue), so a shift starts with what is waiting rather than with silence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor
from server import lifecycle
from server.actions import alerts
from server.clock import iso
from server.deps import Deps
from server.notify import Effect
from server.storage import duty
from server.storage.facts import load_actor
from server.storage.models import Account, Case
from server.storage.models.alerts import Alert

LIST_MAX = 50
# A shift that began this long ago or less still brings its waiting_cases alert (a restart shorter than
# this loses nothing); the alerts job runs every alerts.jobs_interval, well inside it.
SHIFT_START_WINDOW = dt.timedelta(minutes=15)


def serves(actor: Actor, deps: Deps, queue: str) -> bool:
    if actor.has("monitor"):
        return True
    return policy.serves_queue(actor, deps.config.helpdesk.queue_teams(queue))


async def on_duty_changed(deps: Deps, account_id: int, on_duty: bool) -> list[Effect]:
    """Duty hook: one alert to the person coming on duty with the waiting cases, oldest first."""
    if not on_duty:
        return []
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        return await waiting_alert(s, deps, account_id, now)


async def waiting_alert(s: AsyncSession, deps: Deps, account_id: int, now: dt.datetime,
                        before: dt.datetime | None = None) -> list[Effect]:
    """Store (in the caller's transaction) the one waiting_cases alert for someone coming on duty: the
    queued cases of the queues they serve (made before `before`, when given), oldest first."""
    actor = await load_actor(s, account_id, now)
    if not (actor.has("monitor") or set(actor.roles) & set(policy.ANSWERING_ROLES)):
        return []
    q = (select(Case, Account.display_name).join(Account, Account.id == Case.requester_id)
         .where(Case.status == lifecycle.QUEUED).order_by(Case.created_at, Case.id))
    if before is not None:
        q = q.where(Case.created_at < before)
    rows = (await s.execute(q)).all()
    waiting = [(c, name) for c, name in rows if serves(actor, deps, c.queue)]
    if not waiting:
        return []
    cases: list[dict[str, Any]] = [
        {"case_id": c.id, "queue": c.queue, "topic": c.topic, "requester": name,
         "created_at": iso(c.created_at), "waited_seconds": int((now - c.created_at).total_seconds())}
        for c, name in waiting[:LIST_MAX]]
    oldest = waiting[0][0]
    message = (f"{len(waiting)} request{'s' if len(waiting) != 1 else ''} waiting; the oldest "
               f"(case #{oldest.id}) since {iso(oldest.created_at)}.")
    raised = await alerts.raise_alert(s, deps, {"kind": "waiting_cases", "cases": cases, "count": len(waiting),
                                                "message": message, "created_at": iso(now)},
                                      [account_id], now, chain=False)
    return raised.effects


async def shift_starts(deps: Deps, now: dt.datetime) -> list[int]:
    """The periodic part: everyone whose scheduled shift began in the last SHIFT_START_WINDOW, who was not
    on duty just before (no toggle, no shift ending as it began) and has no waiting_cases alert since it
    began, gets the one alert listing what was waiting when it began. The alert row is the record, so a
    restart within the window neither loses nor repeats it. Returns the accounts alerted."""
    since = now - SHIFT_START_WINDOW
    tick = dt.timedelta(microseconds=1)
    effects: list[Effect] = []
    alerted: list[int] = []
    async with deps.db.transaction() as s:
        began: dict[int, dt.datetime] = {}
        for shift in await duty.shifts_overlapping(s, since, now + tick):
            for start, _ in duty.occurrences(shift, since, now + tick):
                if since < start <= now and start > began.get(shift.account_id, since):
                    began[shift.account_id] = start
        if not began:
            return []
        accounts = list((await s.execute(select(Account).where(
            Account.id.in_(sorted(began)), Account.disabled.is_(False)).order_by(Account.id))).scalars())
        for account in accounts:
            start = began[account.id]
            if account.on_duty or await duty.on_shift_ids(s, [account.id], start - tick):
                continue  # already on duty: not coming on duty
            told = (await s.execute(select(Alert.id).where(
                Alert.account_id == account.id, Alert.kind == "waiting_cases", Alert.created_at >= start)
                .limit(1))).first()
            if told is not None:
                continue
            raised = await waiting_alert(s, deps, account.id, now, before=start)
            if raised:
                effects += raised
                alerted.append(account.id)
    if effects:
        await deps.notifier.send(effects)
    return alerted
