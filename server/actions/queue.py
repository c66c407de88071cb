"""The queue as the requester and the desk see it: routing, places, expected wait, capacity, status.

Routing: config maps a topic to a queue, and a queue names the teams that serve it (none = every helper
and trainee). `queue.alert` goes to exactly the on-duty helpers and trainees who serve the queue
(policy.serves_queue). Nobody serving on duty = off hours: the request is still taken and queued.

Expected wait: each claimed case yields a sample "seconds waited per place in the queue" (its wait until
claimed divided by its place on arrival); the estimate for place p is the median of the last
`helpdesk.wait.sample_size` samples in that queue times p (`wait.default_per_place` with no history),
never below `WAIT_FLOOR_PER_PLACE` a place: one quick claim must not promise the next requester "about 4 s".
Cases that arrived off hours are kept out of the samples (a night's wait says nothing about the day).
Off hours, the time until the next scheduled shift of someone serving the queue is added (null if
nobody is scheduled).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor
from server import lifecycle
from server.actions.access import access_case, enforce, facts_of
from server.actions.messages import system_emit
from server.actions.sla import send
from server.clock import iso
from server.deps import Deps
from server.notify import Effect, Emit, account_room
from server.storage import duty
from server.storage.facts import load_actor, roles_and_teams_of
from server.storage.messages import append_system_message
from server.storage.models import Account, AccountRole, Case

# Statuses that count against the per-person cap: cases someone is actually working.
CAPPED_STATUSES = (lifecycle.ACTIVE, lifecycle.ON_HOLD)


# --- routing ----------------------------------------------------------------------------------------


async def serving_accounts(s: AsyncSession, deps: Deps, queue: str) -> list[duty.DutyFlag]:
    """Enabled helpers and trainees who serve `queue` (whether on duty or not), as rows of id and on_duty.

    It runs for every request, claim and queue outlook, so it is three queries however many staff there
    are: the answering accounts are a subquery, not a list of ids bound back in, and rows, not ORM objects.
    With 1,000 helpers the periodic outlook took 126 ms, 45 of them without letting the event loop run,
    as it was; 48 ms (13) this way."""
    answering = select(AccountRole.account_id).where(AccountRole.role.in_(tuple(policy.ANSWERING_ROLES)))
    staff = (await s.execute(select(Account.id, Account.on_duty).where(
        Account.id.in_(answering), Account.disabled.is_(False)).order_by(Account.id))).all()
    if not staff:
        return []
    roles, teams = await roles_and_teams_of(s, answering)
    queue_teams = deps.config.helpdesk.queue_teams(queue)
    return [a for a in staff
            if policy.serves_queue(Actor(id=a.id, roles=roles.get(a.id, frozenset()),
                                         teams=teams.get(a.id, frozenset())), queue_teams)]


async def alert_targets(s: AsyncSession, deps: Deps, queue: str, now: dt.datetime) -> list[int]:
    """Who gets `queue.alert` for a case in `queue`: on-duty helpers and trainees serving it."""
    return sorted(await duty.on_duty_ids(s, await serving_accounts(s, deps, queue), now))


# --- places and expected wait -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueOutlook:
    """What decides every expected wait in one queue right now."""

    queue: str
    on_duty: list[int]
    per_place: float
    next_shift_at: dt.datetime | None

    @property
    def off_hours(self) -> bool:
        return not self.on_duty

    def expected_wait(self, position: int, now: dt.datetime) -> int | None:
        base = self.per_place * max(position, 1)
        if self.off_hours:
            if self.next_shift_at is None:
                return None
            base += (self.next_shift_at - now).total_seconds()
        return round(base)


WAIT_FLOOR_PER_PLACE = 60.0


async def per_place_seconds(s: AsyncSession, deps: Deps, queue: str) -> float:
    """Median seconds waited per place over the queue's last N claims (see the module docstring)."""
    cfg = deps.config.helpdesk.wait
    rows = (await s.execute(
        select(Case.created_at, Case.claimed_at, Case.queue_position)
        .where(Case.queue == queue, Case.claimed_at.is_not(None), Case.off_hours.is_(False))
        .order_by(Case.claimed_at.desc(), Case.id.desc()).limit(cfg.sample_size))).all()
    samples = [max((claimed - created).total_seconds(), 0.0) / max(place or 1, 1)
               for created, claimed, place in rows if claimed is not None]
    if not samples:
        return cfg.default_per_place
    return max(float(statistics.median(samples)), WAIT_FLOOR_PER_PLACE)


async def outlook(s: AsyncSession, deps: Deps, queue: str, now: dt.datetime) -> QueueOutlook:
    serving = await serving_accounts(s, deps, queue)
    on_duty = sorted(await duty.on_duty_ids(s, serving, now))
    next_shift = None if on_duty else await duty.next_shift_start(s, [a.id for a in serving], now)
    return QueueOutlook(queue, on_duty, await per_place_seconds(s, deps, queue), next_shift)


async def queued_in(s: AsyncSession, queue: str) -> list[Case]:
    """The queue's cases, first come first served (created_at, then id for the same instant)."""
    return list((await s.execute(
        select(Case).where(Case.queue == queue, Case.status == lifecycle.QUEUED)
        .order_by(Case.created_at, Case.id))).scalars())


def position_payload(case: Case, position: int, view: QueueOutlook, now: dt.datetime) -> dict[str, Any]:
    return {"case_id": case.id, "position": position, "expected_wait_seconds": view.expected_wait(position, now)}


async def position_effects(s: AsyncSession, deps: Deps, queue: str, now: dt.datetime) -> list[Effect]:
    """`queue.position` to every requester still waiting in `queue` (after a claim, abandon, requeue)."""
    cases = await queued_in(s, queue)
    if not cases:
        return []
    view = await outlook(s, deps, queue, now)
    return [Emit("queue.position", position_payload(c, i, view, now), (account_room(c.requester_id),))
            for i, c in enumerate(cases, start=1)]


async def outlook_changes(deps: Deps, now: dt.datetime) -> tuple[list[str], list[Effect]]:
    """Queues whose outlook changed since the last look (someone serving it went on or off duty, a shift
    began or ended, the next shift moved), with `queue.position` for everyone waiting in them: a requester
    who asked off hours learns at once that someone is there, and the other way round.

    The first look (at start) only records. Each process remembers on its own; with several processes a
    change may be told twice, with the same content, which is harmless.
    """
    seen = deps.outlooks  # per queue, what its expected waits last depended on (off hours, next shift)
    changed: list[str] = []
    effects: list[Effect] = []
    async with deps.db.read() as s:
        for q in deps.config.helpdesk.queues:
            view = await outlook(s, deps, q.name, now)
            now_sig = (view.off_hours, view.next_shift_at)
            before = seen.get(q.name)
            seen[q.name] = now_sig
            if before is None or before == now_sig:
                continue
            changed.append(q.name)
            effects += await position_effects(s, deps, q.name, now)
    return changed, effects


async def on_duty_changed(deps: Deps, account_id: int, on_duty: bool) -> list[Effect]:
    """Duty hook (actions/duty.py, after commit): the queues' outlook may have changed."""
    return (await outlook_changes(deps, deps.clock.now()))[1]


async def refresh_outlooks(deps: Deps, now: dt.datetime) -> list[str]:
    """The periodic job's part (shifts begin and end with no event): send what changed; returns the queues."""

    changed, effects = await outlook_changes(deps, now)
    await send(deps, effects)
    return changed


async def place_of(s: AsyncSession, case: Case) -> int:
    ahead = (await s.execute(select(func.count()).select_from(Case).where(
        Case.queue == case.queue, Case.status == lifecycle.QUEUED,
        (Case.created_at < case.created_at) | ((Case.created_at == case.created_at) & (Case.id < case.id)),
    ))).scalar_one()
    return int(ahead) + 1


# --- hooks called by actions/cases.py -------------------------------------------------------------


async def after_request(s: AsyncSession, deps: Deps, case: Case, now: dt.datetime
                        ) -> tuple[dict[str, Any], list[Effect]]:
    """A new case was queued (inside its transaction): remember its place and whether it came off hours,
    tell an off-hours requester their message waits for the next shift. Returns ack fields and effects."""
    view = await outlook(s, deps, case.queue, now)
    position = await place_of(s, case)
    case.queue_position = position
    case.off_hours = view.off_hours
    await s.flush()
    payload = position_payload(case, position, view, now)
    effects: list[Effect] = [Emit("queue.position", payload, (account_room(case.requester_id),))]
    if view.off_hours:
        text = deps.config.helpdesk.off_hours_message
        if view.next_shift_at is not None:
            text += f" (Next shift: {view.next_shift_at:%Y-%m-%d %H:%M} UTC.)"
        msg = await append_system_message(s, case.room_id, text, now,
                                          {"event": "off_hours", "next_shift_at": iso(view.next_shift_at)})
        effects.append(system_emit(msg))
    answer = {"position": position, "expected_wait_seconds": payload["expected_wait_seconds"],
              "off_hours": view.off_hours, "next_shift_at": iso(view.next_shift_at)}
    return answer, effects


async def after_leaving_queue(s: AsyncSession, deps: Deps, case: Case, view: dict[str, Any], queue: str,
                              now: dt.datetime) -> list[Effect]:
    """A case left the queue (claim, abandon): the staff who were alerted drop it from their queue
    (`case.updated`), and everyone still waiting learns their new place."""
    targets = await alert_targets(s, deps, queue, now)
    effects: list[Effect] = []
    if targets:
        effects.append(Emit("case.updated", view, tuple(account_room(a) for a in targets)))
    return effects + await position_effects(s, deps, queue, now)


async def enforce_case_cap(s: AsyncSession, deps: Deps, actor: Actor) -> None:
    """Called after a claim's conditional update, in its transaction: refuse (roll back) a claim that
    would put the claimer over `helpdesk.max_open_cases`.

    Counting after the update is what makes it race-free: on SQLite the update holds the write lock;
    on PostgreSQL the claimer's account row is locked here, so two claims by one person finish one after
    the other and the second counts the first. FOR NO KEY UPDATE, because the claim's own foreign key
    check already holds FOR KEY SHARE on that row in every concurrent claim (FOR UPDATE would deadlock).
    """
    if not policy.case_cap_applies(actor):
        return
    await s.execute(select(Account.id).where(Account.id == actor.id).with_for_update(key_share=True))
    open_cases = (await s.execute(select(func.count()).select_from(Case).where(
        (Case.helper_id == actor.id) | (Case.trainee_id == actor.id),
        Case.status.in_(CAPPED_STATUSES)))).scalar_one()
    decision = policy.can_take_another_case(actor, int(open_cases) - 1, deps.config.helpdesk.max_open_cases)
    enforce(decision)


# --- the public status ------------------------------------------------------------------------------


async def desk_status(deps: Deps) -> dict[str, Any]:
    """GET /api/status: whether anyone is there to help, per queue, before a requester opens a case."""
    cfg = deps.config.helpdesk
    now = deps.clock.now()
    async with deps.db.read() as s:
        queues: list[dict[str, Any]] = []
        everyone: set[int] = set()
        for q in cfg.queues:
            view = await outlook(s, deps, q.name, now)
            waiting = len(await queued_in(s, q.name))
            everyone.update(view.on_duty)
            queues.append({"name": q.name, "on_duty": not view.off_hours, "helpers_on_duty": len(view.on_duty),
                           "queued": waiting, "expected_wait_seconds": view.expected_wait(waiting + 1, now),
                           "next_shift_at": iso(view.next_shift_at)})
        nexts: list[str] = [q["next_shift_at"] for q in queues if q["next_shift_at"]]
    return {
        "on_duty": bool(everyone),
        "helpers_on_duty": len(everyone),
        "next_shift_at": None if everyone else (min(nexts) if nexts else None),
        "default_topic": cfg.default_topic,
        "topics": [{"name": t.name, "label": t.label, "queue": t.queue} for t in cfg.topic_list()],
        "queues": queues,
    }


async def position_for(deps: Deps, actor_id: int, case_id: Any) -> dict[str, Any]:
    """queue.position asked for (e.g. after a reconnect): the requester of the case, or staff.
    A case that is no longer queued answers position null."""

    now = deps.clock.now()
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        decision = policy.can_see_queue_position(actor, await facts_of(s, case))
        enforce(decision)
        if case.status != lifecycle.QUEUED:
            return {"case_id": case.id, "position": None, "expected_wait_seconds": None}
        view = await outlook(s, deps, case.queue, now)
        return position_payload(case, await place_of(s, case), view, now)
