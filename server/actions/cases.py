"""The case life: request → queue → claim → hold/resume → resolve (or abandon).

Every state change is a conditional UPDATE on the current status (claim: WHERE status = 'queued'),
checked by row count, so concurrent handlers never both win. Effects are returned, emitted after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from roles import policy
from server import lifecycle
from server.actions import queue as desk_queue
from server.actions import supervision, throttle
from server.actions.access import access_case, enforce, facts_of
from server.actions.case_views import (
    case_updated,
    case_view,
    people_of,
    queue_alert,
    queue_alert_targets,
    requester_view,
    transition,
)
from server.actions.messages import system_emit
from server.actions.rooms import set_member_role, socket_rooms_for
from server.actions.sensitive import first_message_fields, refuse_sensitive_text
from server.deps import Deps
from server.errors import Conflict, Invalid
from server.message_writer import Written
from server.notify import MONITORS, Effect, Emit, Join
from server.storage.facts import case_facts_for, load_actor
from server.storage.messages import allocate_seqs, append_system_message
from server.storage.models import Account, Case, Message, Room
from server.views import case_dict

# --- reading --------------------------------------------------------------------------------------


async def get_case(deps: Deps, actor_id: int, case_id: Any) -> dict[str, Any]:
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        case = await access_case(s, case_id)
        enforce(policy.can_view_case(actor, await facts_of(s, case)))
        view = await case_view(s, case)
        return view if policy.sees_supervision(actor) else requester_view(view)


async def list_cases(deps: Deps, actor_id: int, status: str | None, limit: int = 200) -> list[dict[str, Any]]:
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        q = select(Case)
        if not policy.sees_all_cases(actor):
            q = q.where(Case.requester_id == actor_id)
        if status:
            statuses = [x for x in status.split(",") if x]
            bad = [x for x in statuses if x not in lifecycle.STATUSES]
            if bad:

                raise Invalid(f"unknown status {bad[0]!r}; one of {', '.join(lifecycle.STATUSES)}")
            q = q.where(Case.status.in_(statuses))
        cases = list((await s.execute(q.order_by(Case.created_at, Case.id).limit(limit))).scalars())
        people = await people_of(s, cases)
        views = [case_dict(c, people) for c in cases]
        return views if policy.sees_supervision(actor) else [requester_view(v) for v in views]


async def list_queue(deps: Deps, actor_id: int) -> list[dict[str, Any]]:
    return (await queue_outlook(deps, actor_id))["cases"]


PREVIEW_CHARS = 140


async def queue_outlook(deps: Deps, actor_id: int) -> dict[str, Any]:
    """queue.list: the queued cases, oldest first, each with a `preview` of the question (null when it was
    sealed as sensitive), and how many monitors could supervise a trainee's claim right now, so the console
    offers a trainee "Claim" only when the server would allow it."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, now)
        decision = policy.can_list_queue(actor)
        enforce(decision)
        cases = list((await s.execute(
            select(Case).where(Case.status == lifecycle.QUEUED).order_by(Case.created_at, Case.id))).scalars())
        people = await people_of(s, cases)
        previews: dict[int, str | None] = {}
        if cases:
            rows = (await s.execute(
                select(Message.room_id, Message.body, Message.sensitive, Message.purged)
                .where(Message.room_id.in_([c.room_id for c in cases]), Message.kind == "chat")
                .order_by(Message.room_id, Message.seq))).all()
            for room_id, body, sensitive, purged in rows:
                if room_id not in previews:
                    previews[room_id] = None if (sensitive or purged or body is None) else body[:PREVIEW_CHARS]
        monitors = await supervision.available_monitors(s, now)
        return {"cases": [dict(case_dict(c, people), preview=previews.get(c.room_id)) for c in cases],
                "monitors_available": len(monitors)}


# --- queue alerts ---------------------------------------------------------------------------------


# --- changing state -------------------------------------------------------------------------------


async def request_help(deps: Deps, actor_id: int, topic: str, body: str, client_id: str | None = None
                       ) -> tuple[dict[str, Any], list[Effect]]:
    """Open a case with its room and first message, queue it, alert whoever serves the queue."""
    lim = deps.config.limits
    if client_id:  # a retry after a lost ack answers the case it opened, and counts against no limit
        again = await _repeated_request(deps, actor_id, client_id)
        if again is not None:
            return again, []
    await throttle.hit(deps, f"help:account:{actor_id}", lim.help_requests_per_account, lim.help_request_window,
                       "too many help requests; please wait before asking again")
    now = deps.clock.now()
    queue = deps.config.helpdesk.queue_for_topic(topic)
    try:
        return await _open_case(deps, actor_id, topic, body, client_id, queue, now)
    except IntegrityError:
        # Two sends of one client_id at once: the (sender, client_id) key let one through; answer its case.
        again = await _repeated_request(deps, actor_id, client_id) if client_id else None
        if again is None:
            raise
        return again, []


async def _repeated_request(deps: Deps, actor_id: int, client_id: str) -> dict[str, Any] | None:
    """The answer to a help.request whose client_id already opened a case (None when it is new); a
    client_id this account used for another message is refused rather than answered with that message."""
    async with deps.db.read() as s:
        first = (await s.execute(select(Message).where(Message.sender_id == actor_id,
                                                       Message.client_id == client_id))).scalar_one_or_none()
        if first is None:
            return None
        case = (await s.execute(select(Case).where(Case.room_id == first.room_id))).scalar_one_or_none()
        if case is None or case.requester_id != actor_id or first.seq != 1:
            raise Conflict("'client_id' was already used for another message; send a new one", field="client_id")
        room = await s.get(Room, case.room_id)
        assert room is not None
        view = await case_view(s, case)
        room_view = {"id": room.id, "kind": "case", "name": None, "topic": room.topic, "last_seq": room.last_seq,
                     "membership": "requester", "case_id": case.id}
        return {"case": requester_view(view), "room": room_view}


async def _open_case(deps: Deps, actor_id: int, topic: str, body: str, client_id: str | None, queue: str,
                     now: dt.datetime) -> tuple[dict[str, Any], list[Effect]]:
    lim = deps.config.limits
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        decision = policy.can_request_help(actor)
        enforce(decision)
        open_cases = (await s.execute(select(func.count()).select_from(Case).where(
            Case.requester_id == actor_id, Case.status.in_(lifecycle.OPEN)))).scalar_one()
        if open_cases >= lim.open_cases_per_requester:
            # No clock says when a case closes: ask again in a minute (the answer is the same until one does).
            raise throttle.refusal(f"you already have {open_cases} open requests; continue in those", 60)
        room = Room(kind="case", name=None, topic=topic, last_seq=0, created_by=actor_id, created_at=now)
        s.add(room)
        await s.flush()
        case = Case(room_id=room.id, status=lifecycle.QUEUED, topic=topic, queue=queue, requester_id=actor_id,
                    created_at=now, last_activity_at=now, sla_alerts=[], queued_at=now, reroute_step=0)
        s.add(case)
        await s.flush()
        await set_member_role(s, room.id, actor_id, "requester", deps)

        seq = await allocate_seqs(s, room.id, 1)

        first = Message(room_id=room.id, seq=seq, sender_id=actor_id, client_id=client_id or f"help-{case.id}",
                        kind="chat", purged=False, created_at=now,
                        **await first_message_fields(s, deps, room.id, body))
        s.add(first)
        await s.flush()

        extra, desk_effects = await desk_queue.after_request(s, deps, case, now)
        # The first message is a requester message like any other: the after-message hooks (personal
        # escalation ...) see it once the case is committed, as they see every message.send.
        sender = await s.get(Account, actor_id)
        first_written = Written(message=first, plaintext=body, duplicate=False, room_kind="case", sender=sender,
                                sender_roles=actor.roles, sender_teams=actor.teams,
                                case=(await case_facts_for(s, [case]))[case.id])
        view = await case_view(s, case)
        targets = await queue_alert_targets(s, deps, queue, now)
        await s.refresh(room)
        room_view = {"id": room.id, "kind": "case", "name": None, "topic": topic, "last_seq": room.last_seq,
                     "membership": "requester", "case_id": case.id}
    effects: list[Effect] = [
        Join(actor_id, socket_rooms_for(room.id, actor)),
        queue_alert(view, targets, "new"),
        Emit("case.updated", view, (MONITORS,)),
        *desk_effects,
    ]
    for hook in deps.after_message:
        effects.extend(await hook(deps, first_written))
    return {"case": requester_view(view), "room": room_view, **extra}, effects


async def claim_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        facts = await facts_of(s, case)
        as_trainee = policy.works_as_trainee(actor)
        # A monitor already supervising the queued case is kept if still available, else the least loaded.
        monitor_id = await supervision.pick_monitor(s, deps, now, prefer=case.monitor_id) if as_trainee else None
        enforce(policy.can_claim_case(actor, facts, monitor_available=monitor_id is not None))
        values: dict[str, Any] = {"claimed_at": now}
        if as_trainee:
            values.update(trainee_id=actor_id, monitor_id=monitor_id)
        else:
            values.update(helper_id=actor_id)
        await transition(s, case, "claim", values)
        if as_trainee:
            monitor_id = await supervision.confirm_monitor(s, deps, case, now)
            enforce(policy.can_claim_case(actor, facts, monitor_available=monitor_id is not None))

        await desk_queue.enforce_case_cap(s, deps, actor)
        await set_member_role(s, case.room_id, actor_id, "staff", deps)
        effects: list[Effect] = [Join(actor_id, socket_rooms_for(case.room_id, actor))]
        name = (await s.get(Account, actor_id)).display_name  # type: ignore[union-attr]
        msg = await append_system_message(s, case.room_id, f"{name} is helping you now", now,
                                          {"event": "claimed", "by": actor_id})
        effects.append(system_emit(msg))
        effects.extend(await supervision.after_claim(s, deps, case, actor_id, monitor_id, now))
        view = await case_view(s, case)
        effects.extend(await desk_queue.after_leaving_queue(s, deps, case, view, case.queue, now))
    return view, effects + case_updated(view, case)


async def _simpletransition(deps: Deps, actor_id: int, case_id: Any, action: str, text: str,
                             extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        facts = await facts_of(s, case)
        decision = policy.can_resolve_case(actor, facts) if action == "resolve" else policy.can_manage_case(actor, facts)
        enforce(decision)
        if not lifecycle.allowed(action, case.status):
            raise Conflict(f"a case that is {case.status} cannot be {lifecycle.target(action).replace('_', ' ')}")
        await transition(s, case, action, dict(extra or {}))
        msg = await append_system_message(s, case.room_id, text, now, {"event": action, "by": actor_id})
        hooked = [e for hook in deps.on_case_transition for e in await hook(s, deps, case, action, actor_id, now)]
        view = await case_view(s, case)
    return view, [system_emit(msg), *hooked, *case_updated(view, case)]


async def hold_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    return await _simpletransition(deps, actor_id, case_id, "hold", "This chat is on hold; we will be back with you.",
                                    {"on_hold_since": now, "last_activity_at": now})


async def resume_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    return await _simpletransition(deps, actor_id, case_id, "resume", "We are back with you.",
                                    {"on_hold_since": None, "last_activity_at": now})


async def resolve_case(deps: Deps, actor_id: int, case_id: Any, summary: str | None
                       ) -> tuple[dict[str, Any], list[Effect]]:
    # The summary is shown to every staff member (trainees included) and kept past the sensitive purge.
    refuse_sensitive_text(deps, summary, "the case summary", field="summary")
    now = deps.clock.now()
    return await _simpletransition(deps, actor_id, case_id, "resolve", "This case is resolved. Thank you!",
                                    {"closed_at": now, "summary": summary, "on_hold_since": None})

