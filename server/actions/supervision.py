"""Room monitors supervising trainees: who supervises, taking a case over and handing it back, and what
happens when a supervising monitor goes away.

Invariant: a case has a trainee (trainee_id) only while a monitor who is on duty and connected supervises
it (monitor_id). A trainee's claim picks one (the case's own monitor if it has one, else the least
loaded). When that monitor goes off duty, another available monitor takes over at once; with none, the
trainee falls back to shadowing and the case goes back to the queue with its history.

A dropped socket is not a departure: a monitor who reloads the page gets `roles.monitor_grace` (stored on
the case as monitor_away_since, so a restart neither forgets nor restarts it). Meanwhile the trainee
keeps the case and may speak; a monitor back in time clears the mark and nobody hears of it. Only after
the grace is the case handed over or re-queued, and only then is the requester told "back in the queue".
run_once() catches what no event announces (a grace that ran out, a shift that ended, a process that
died with its sockets) and runs every roles.supervision_check_interval and when a grace ends.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions import case_views
from server.actions.access import access_case, enforce, facts_of
from server.actions.case_views import case_updated, case_view
from server.actions.messages import system_emit
from server.actions.monitor_view import case_emit
from server.actions.queue import position_effects
from server.actions.rooms import set_member_role
from server.deps import Deps
from server.errors import Conflict
from server.notify import Effect, Emit, Join, account_room, room_room, room_staff_room
from server.storage import participation
from server.storage.facts import connected_accounts, load_actor, load_actors, on_duty_accounts
from server.storage.messages import append_system_message
from server.storage.models import Account, AccountRole, Case, RoomMember

log = logging.getLogger("livehelp.supervision")
OPEN = list(lifecycle.OPEN)


# --- who can supervise ----------------------------------------------------------------------------


async def available_monitors(s: AsyncSession, now: dt.datetime, exclude: Iterable[int | None] = (),
                             lock: bool = False) -> set[int]:
    """Monitors (enabled accounts) who are on duty and connected right now (`lock`: see connected_accounts)."""
    skip = {e for e in exclude if e is not None}
    ids = [r[0] for r in (await s.execute(select(AccountRole.account_id).where(AccountRole.role == "monitor"))).all()
           if r[0] not in skip]
    if not ids:
        return set()
    accounts = list((await s.execute(select(Account).where(Account.id.in_(ids), Account.disabled.is_(False)))).scalars())
    on_duty = await on_duty_accounts(s, accounts, now)
    return on_duty & await connected_accounts(s, on_duty, lock=lock)


async def pick_monitor(s: AsyncSession, deps: Deps, now: dt.datetime, exclude: int | None = None,
                       prefer: int | None = None, lock: bool = False) -> int | None:
    """`prefer` (the case's own monitor) if available, else the least-loaded available monitor, or None.

    Load = open cases the monitor supervises; ties go to the lowest account id (stable, testable).
    """
    candidates = await available_monitors(s, now, exclude=(exclude,), lock=lock)
    if prefer is not None and prefer in candidates:
        return prefer
    if not candidates:
        return None
    load = dict((await s.execute(
        select(Case.monitor_id, func.count()).where(Case.monitor_id.in_(candidates), Case.status.in_(OPEN))
        .group_by(Case.monitor_id))).all())
    return min(sorted(candidates), key=lambda i: load.get(i, 0))


async def confirm_monitor(s: AsyncSession, deps: Deps, case: Case, now: dt.datetime) -> int | None:
    """After a trainee's claim update, in its transaction: the case's picked monitor if still available,
    else another (set on the case), else None (the claim is refused and rolled back).

    The pick before the update reads presence unlocked: a monitor whose last socket drops in between has
    their last-disconnect hook run before this claim commits, find no case to start the grace on, and the
    trainee would be supervised from nowhere. Picked again after the update it is race-free: SQLite holds
    the write lock; on PostgreSQL the presence rows are locked, so the disconnect's DELETE waits for this
    commit and its hook then sees the case.
    """
    monitor_id = await pick_monitor(s, deps, now, prefer=case.monitor_id, lock=True)
    if monitor_id is not None and monitor_id != case.monitor_id:
        await _update(s, case, [], {"monitor_id": monitor_id})
    return monitor_id


# --- small shared steps ---------------------------------------------------------------------------


async def names(s: AsyncSession, *ids: int | None) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {a.id: a.display_name for a in (await s.execute(select(Account).where(Account.id.in_(wanted)))).scalars()}


async def membership(s: AsyncSession, room_id: int, account_id: int) -> str | None:
    return (await s.execute(select(RoomMember.role).where(
        RoomMember.room_id == room_id, RoomMember.account_id == account_id))).scalar_one_or_none()


async def set_membership(s: AsyncSession, deps: Deps, room_id: int, account_id: int, role: str) -> None:

    await set_member_role(s, room_id, account_id, role, deps)


async def ensure_monitor_member(s: AsyncSession, deps: Deps, room_id: int, account_id: int) -> None:
    """The monitor joins the room as 'monitor', never downgrading a 'staff' membership (their own case)."""
    if await membership(s, room_id, account_id) in (None, "shadow"):
        await set_membership(s, deps, room_id, account_id, "monitor")


def staff_rooms(room_id: int) -> tuple[str, ...]:
    return (room_room(room_id), room_staff_room(room_id))


async def note(s: AsyncSession, case: Case, text: str, now: dt.datetime, event: str, **meta: Any) -> Effect:
    """A server-written note: staff in the room only, never the requester."""
    msg = await append_system_message(s, case.room_id, text, now, {"event": event, **meta}, kind="note")
    return system_emit(msg)


async def tell_room(s: AsyncSession, case: Case, text: str, now: dt.datetime, event: str, **meta: Any) -> Effect:
    """A system message everyone in the room sees (the requester included)."""
    msg = await append_system_message(s, case.room_id, text, now, {"event": event, **meta})
    return system_emit(msg)


def alert(account_id: int, kind: str, case: Case, message: str, **extra: Any) -> Emit:
    return Emit("alert", {"kind": kind, "case_id": case.id, "room_id": case.room_id, "message": message, **extra},
                (account_room(account_id),))


async def _update(s: AsyncSession, case: Case, where: list[Any], values: dict[str, Any]) -> bool:
    """Conditional UPDATE of one case; False when someone changed it first."""
    result = await s.execute(update(Case).where(Case.id == case.id, *where).values(**values)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await s.refresh(case)
    return True


def _is(column: Any, value: int | None) -> Any:
    return column.is_(None) if value is None else column == value


async def _views(s: AsyncSession, case: Case, now: dt.datetime) -> tuple[dict[str, Any], list[Effect]]:
    """The case object, and the case.updated / monitor.case effects every change here sends."""

    view = await case_view(s, case)
    return view, [*case_updated(view, case), await case_emit(s, case, now)]


# --- claiming ---------------------------------------------------------------------------------------


async def start_supervision(s: AsyncSession, deps: Deps, case: Case, monitor_id: int, now: dt.datetime,
                            why: str = "claim") -> list[Effect]:
    """monitor_id now supervises the case's trainee: membership, record, alert the monitor, note to staff."""
    await ensure_monitor_member(s, deps, case.room_id, monitor_id)
    await participation.record(s, case.id, monitor_id, "monitor", now)
    who = await names(s, monitor_id, case.trainee_id)
    trainee = who.get(case.trainee_id or 0, "a trainee")
    text = {"claim": f"{trainee} took this case under {who[monitor_id]}'s supervision.",
            "handover": f"{who[monitor_id]} now supervises {trainee} on this case."}.get(why, "")
    effects: list[Effect] = [Join(monitor_id, staff_rooms(case.room_id))]
    if text:
        effects.append(await note(s, case, text, now, "supervision", monitor_id=monitor_id, why=why))
    effects.append(alert(monitor_id, "supervision", case, f"You are supervising {trainee} on this case.",
                         trainee={"id": case.trainee_id, "display_name": trainee}, why=why))
    return effects


async def after_claim(s: AsyncSession, deps: Deps, case: Case, actor_id: int, monitor_id: int | None,
                      now: dt.datetime) -> list[Effect]:
    """Called by cases.claim_case inside its transaction: record who took the case, start supervision."""
    if monitor_id is None:
        await participation.record(s, case.id, actor_id, "helper", now)
        return []
    await participation.record(s, case.id, actor_id, "trainee", now)
    return await start_supervision(s, deps, case, monitor_id, now)


# --- monitor actions --------------------------------------------------------------------------------


async def supervise_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.supervise: the monitor becomes the case's supervising monitor (replacing another, who is told).

    On a queued case this is what lets a trainee shadowing it claim it under this monitor.
    """

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        enforce(policy.can_supervise_case(actor, await facts_of(s, case)))
        previous = case.monitor_id
        effects: list[Effect] = []
        if previous != actor_id:
            if not await _update(s, case, [Case.status.in_(OPEN), _is(Case.monitor_id, previous)],
                                 {"monitor_id": actor_id, "monitor_away_since": None}):
                raise Conflict("the case changed meanwhile; reload it")
            who = await names(s, actor_id, case.trainee_id)
            effects.append(await note(s, case, f"{who[actor_id]} is supervising this case.", now, "supervise",
                                      monitor_id=actor_id))
            if previous is not None:
                effects.append(alert(previous, "supervision_ended", case,
                                     f"{who[actor_id]} now supervises this case."))
            if case.trainee_id is not None:
                effects.append(alert(case.trainee_id, "supervision", case, f"{who[actor_id]} now supervises you."))
        await ensure_monitor_member(s, deps, case.room_id, actor_id)
        await participation.record(s, case.id, actor_id, "monitor", now)
        view, updates = await _views(s, case, now)
    return view, [Join(actor_id, staff_rooms(case.room_id)), *effects, *updates]


async def take_over_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.takeover: the monitor becomes the helper; the trainee (or helper) goes back to shadowing.

    A case taken from a trainee remembers them, so case.handback can give it back.
    """

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        enforce(policy.can_take_over_case(actor, await facts_of(s, case)))
        old_helper, old_trainee, old_monitor = case.helper_id, case.trainee_id, case.monitor_id
        if not await _update(s, case, [Case.status.in_(("active", "on_hold")), _is(Case.helper_id, old_helper),
                                       _is(Case.trainee_id, old_trainee)],
                             {"helper_id": actor_id, "trainee_id": None, "monitor_id": actor_id,
                              "monitor_away_since": None}):
            raise Conflict("the case changed meanwhile; reload it")
        await set_membership(s, deps, case.room_id, actor_id, "staff")
        await participation.record(s, case.id, actor_id, "helper", now)
        displaced = [a for a in (old_trainee, old_helper) if a is not None and a != actor_id]
        for a in displaced:
            await set_membership(s, deps, case.room_id, a, "shadow")
        if old_trainee is not None:
            await participation.remember_takeover(s, case.id, old_trainee, actor_id, now)
        else:
            await participation.forget_takeover(s, case.id)
        who = await names(s, actor_id, *displaced)
        effects: list[Effect] = [Join(actor_id, staff_rooms(case.room_id))]
        effects.append(await tell_room(s, case, f"{who[actor_id]} is helping you now", now, "takeover", by=actor_id))
        if displaced:
            effects.append(await note(s, case, f"{who[actor_id]} took this case over from "
                                      f"{' and '.join(who[a] for a in displaced)}.", now, "takeover", by=actor_id))
        for a in displaced:
            effects.append(alert(a, "takeover", case, f"{who[actor_id]} took this case over; you are observing it now.",
                                 by={"id": actor_id, "display_name": who[actor_id]}))
        if old_monitor is not None and old_monitor != actor_id:
            effects.append(alert(old_monitor, "supervision_ended", case, f"{who[actor_id]} took this case over."))
        view, updates = await _views(s, case, now)
    return view, effects + updates


async def hand_back_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.handback: the trainee the monitor took the case from gets it back; the monitor supervises."""

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        trainee_id = await participation.taken_from(s, case.id)
        enforce(policy.can_hand_back_case(actor, await facts_of(s, case), trainee_id))
        assert trainee_id is not None
        if not await _update(s, case, [Case.status.in_(("active", "on_hold")), Case.helper_id == actor_id],
                             {"helper_id": None, "trainee_id": trainee_id, "monitor_id": actor_id,
                              "monitor_away_since": None}):
            raise Conflict("the case changed meanwhile; reload it")
        await set_membership(s, deps, case.room_id, trainee_id, "staff")
        await set_membership(s, deps, case.room_id, actor_id, "monitor")
        await participation.forget_takeover(s, case.id)
        await participation.record(s, case.id, trainee_id, "trainee", now)
        await participation.record(s, case.id, actor_id, "monitor", now)
        who = await names(s, actor_id, trainee_id)
        effects: list[Effect] = [
            Join(trainee_id, staff_rooms(case.room_id)),
            await tell_room(s, case, f"{who[trainee_id]} is helping you now", now, "handback", to=trainee_id),
            await note(s, case, f"{who[actor_id]} handed this case back to {who[trainee_id]} and keeps supervising.",
                       now, "handback", by=actor_id, to=trainee_id),
            alert(trainee_id, "handback", case, f"{who[actor_id]} handed this case back to you.",
                  by={"id": actor_id, "display_name": who[actor_id]}),
        ]
        view, updates = await _views(s, case, now)
    return view, effects + updates


# --- when a supervising monitor goes away -----------------------------------------------------------


async def release_monitor(deps: Deps, monitor_id: int, why: str) -> list[Effect]:
    """Every open case monitor_id supervises gets another available monitor, or (with a trainee and no
    monitor left) is re-queued with the trainee back to shadowing. Cases without a trainee just lose
    their monitor. Each step is a conditional update, so a racing claim or supervise wins cleanly."""

    now = deps.clock.now()
    effects: list[Effect] = []
    requeued_queues: set[str] = set()
    async with deps.db.transaction() as s:
        cases = list((await s.execute(select(Case).where(Case.monitor_id == monitor_id, Case.status.in_(OPEN))
                                      .order_by(Case.id))).scalars())
        if not cases:
            return []
        gone = (await names(s, monitor_id)).get(monitor_id, "The room monitor")
        for case in cases:
            trainee_id = case.trainee_id
            if trainee_id is None:
                if await _update(s, case, [Case.monitor_id == monitor_id, Case.trainee_id.is_(None)],
                                 {"monitor_id": None, "monitor_away_since": None}):
                    if case.helper_id != monitor_id:
                        effects.append(await note(s, case, f"{gone} stopped supervising this case ({why}).",
                                                  now, "supervision_ended", monitor_id=monitor_id))
                    effects.extend((await _views(s, case, now))[1])
                continue
            # The case's write lock first (a no-op update), then the pick with presence locked: as in
            # confirm_monitor, a successor whose disconnect commits meanwhile is either not picked or their
            # last-disconnect hook waits for this commit and starts the grace on the case.
            if not await _update(s, case, [Case.monitor_id == monitor_id, Case.trainee_id == trainee_id],
                                 {"monitor_id": monitor_id}):
                continue
            successor = await pick_monitor(s, deps, now, exclude=monitor_id, lock=True)
            if successor is not None:
                if not await _update(s, case, [Case.monitor_id == monitor_id, Case.trainee_id == trainee_id],
                                     {"monitor_id": successor, "monitor_away_since": None}):
                    continue
                effects.append(await note(s, case, f"{gone} is no longer available ({why}).", now,
                                          "supervision_ended", monitor_id=monitor_id))
                effects.extend(await start_supervision(s, deps, case, successor, now, why="handover"))
                effects.extend((await _views(s, case, now))[1])
                continue
            trainee = (await names(s, trainee_id)).get(trainee_id, "The trainee")
            if case.status in lifecycle.sources("requeue"):
                ok = await _update(
                    s, case, [Case.monitor_id == monitor_id, Case.trainee_id == trainee_id,
                              Case.status.in_(lifecycle.sources("requeue"))],
                    {"status": lifecycle.target("requeue"), "trainee_id": None, "monitor_id": None,
                     "claimed_at": None, "on_hold_since": None, "monitor_away_since": None,
                     "queued_at": now, "reroute_step": 0})
            else:  # escalated: it stays with its team; only the trainee steps back
                ok = await _update(s, case, [Case.monitor_id == monitor_id, Case.trainee_id == trainee_id],
                                   {"trainee_id": None, "monitor_id": None, "monitor_away_since": None})
            if not ok:
                continue
            await set_membership(s, deps, case.room_id, trainee_id, "shadow")
            effects.append(await note(
                s, case, f"{gone} is no longer available ({why}) and no other room monitor is: {trainee} is back "
                f"to observing" + (" and the case is back in the queue." if case.status == "queued" else "."),
                now, "supervision_lost", monitor_id=monitor_id, trainee_id=trainee_id))
            effects.append(alert(trainee_id, "supervision_lost", case,
                                 "No room monitor is available, so you are observing this case again."))
            view, updates = await _views(s, case, now)
            effects.extend(updates)
            if case.status == "queued":
                effects.append(await tell_room(
                    s, case, "You are back in the queue: the next available helper will continue this chat.",
                    now, "requeued"))
                targets = await case_views.queue_alert_targets(s, deps, case.queue, now)
                effects.append(case_views.queue_alert(view, targets, "requeued"))
                requeued_queues.add(case.queue)
        for queue in sorted(requeued_queues):
            effects.extend(await _queue_positions(s, deps, queue, now))
    log.info("monitor released", extra={"monitor_id": monitor_id, "why": why, "cases": len(cases)})
    return effects


async def _queue_positions(s: AsyncSession, deps: Deps, queue: str, now: dt.datetime) -> list[Effect]:
    """Everyone waiting learns their new place (the help desk area's queue.position)."""
    return await position_effects(s, deps, queue, now)


async def _supervises_anything(deps: Deps, account_id: int) -> bool:
    async with deps.db.read() as s:
        return (await s.execute(select(Case.id).where(Case.monitor_id == account_id, Case.status.in_(OPEN))
                                .limit(1))).first() is not None


async def on_last_disconnect(deps: Deps, account_id: int) -> list[Effect]:
    """deps.on_last_disconnect: the account's last socket is gone. A supervising monitor's cases are
    marked away (the grace starts); the hand-over or re-queue waits for run_once after the grace."""
    if not await _supervises_anything(deps, account_id):
        return []
    grace = deps.config.roles.monitor_grace
    if grace <= 0:
        return await release_monitor(deps, account_id, "disconnected")
    await mark_away(deps, [account_id], deps.clock.now())
    deps.scheduler.call_later(grace, lambda: run_once(deps, deps.clock.now()), name="monitor-grace")
    return []


async def mark_away(deps: Deps, monitor_ids: Iterable[int], now: dt.datetime) -> None:
    """Start the grace of these monitors' open cases (a mark already there keeps its time)."""
    ids = sorted(set(monitor_ids))
    if not ids:
        return
    async with deps.db.transaction() as s:
        await s.execute(update(Case).where(Case.monitor_id.in_(ids), Case.status.in_(OPEN),
                                           Case.monitor_away_since.is_(None))
                        .values(monitor_away_since=now).execution_options(synchronize_session=False))


async def on_connect(deps: Deps, account_id: int) -> None:
    """deps.on_connect: a monitor back within the grace keeps supervising; nobody is told anything."""
    away = [Case.monitor_id == account_id, Case.monitor_away_since.is_not(None)]
    async with deps.db.read() as s:  # every connect passes here: read first, write only for a monitor away
        if (await s.execute(select(Case.id).where(*away).limit(1))).first() is None:
            return
    async with deps.db.transaction() as s:
        await s.execute(update(Case).where(*away).values(monitor_away_since=None)
                        .execution_options(synchronize_session=False))
    log.info("monitor back within the grace", extra={"monitor_id": account_id})


async def on_duty_changed(deps: Deps, account_id: int, on_duty: bool) -> list[Effect]:
    """Duty hook (actions/duty.py): a monitor who goes off duty stops supervising at once."""
    if on_duty or not await _supervises_anything(deps, account_id):
        return []
    return await release_monitor(deps, account_id, "went off duty")


async def run_once(deps: Deps, now: dt.datetime) -> dict[str, list[int]]:
    """The periodic check: release every monitor who supervises an open case but may not supervise now
    (off duty by the clock, role revoked: at once; disconnected, with or without a disconnect event: once
    roles.monitor_grace has passed since they were first seen gone). Sends its effects."""
    grace = deps.config.roles.monitor_grace
    async with deps.db.read() as s:
        rows = (await s.execute(select(Case.monitor_id, func.min(Case.monitor_away_since)).where(
            Case.monitor_id.is_not(None), Case.status.in_(OPEN)).group_by(Case.monitor_id))).all()
        away_since = {m: since for m, since in rows if m is not None}
        actors = await load_actors(s, away_since, now)
    gone: list[int] = []
    why: dict[int, str] = {}
    unmarked: list[int] = []
    for m in sorted(away_since):
        actor = actors.get(m)
        if actor is not None and policy.can_supervise(actor):
            continue
        if actor is None or grace <= 0 or not policy.can_supervise(replace(actor, connected=True)):
            gone.append(m)  # no longer a monitor on duty: no grace
        else:
            since = away_since[m]
            if since is None:
                unmarked.append(m)  # gone without a disconnect event here (a restart, another process died)
            elif (now - since).total_seconds() >= grace:
                gone.append(m)
                why[m] = f"disconnected for longer than the {int(grace)} s grace"
    await mark_away(deps, unmarked, now)
    effects: list[Effect] = []
    for m in gone:
        effects.extend(await release_monitor(deps, m, why.get(m, "no longer on duty or connected")))
    if effects:
        await deps.notifier.send(effects)
    return {"released": gone}
