"""Shadowing: trainees, helpers and monitors observe a live case read-only.

A shadow is a room member with role "shadow" (persisted, so a reconnect puts them back in the room). They
get the history and every new message live, whispers and notes included (they sit in room:{id}:staff);
sensitive bodies are redacted for them by policy.message_view. They cannot send `chat` (policy), but may
whisper to the staff working the case. When a trainee starts shadowing, the requester is told "A trainee
is observing this chat" unless roles.announce_shadow is false (then the requester learns nothing).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from roles import policy
from server.actions.access import access_case, enforce, facts_of
from server.actions.case_views import case_view
from server.actions.messages import views_for
from server.actions.monitor_view import case_emit
from server.actions.rooms import add_member, socket_rooms_for
from server.actions.supervision import membership, names, note, tell_room
from server.deps import Deps
from server.notify import Effect, Join
from server.storage import participation
from server.storage.facts import load_actor
from server.storage.messages import messages_before
from server.storage.models import Room, RoomMember

ANNOUNCEMENT = "A trainee is observing this chat"


async def shadow_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.shadow -> {"case", "messages"}: join as a shadow (no-op for someone already in the room)."""

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        facts = await facts_of(s, case)
        enforce(policy.can_shadow_case(actor, facts))
        effects: list[Effect] = [Join(actor_id, socket_rooms_for(case.room_id, actor))]
        role = await membership(s, case.room_id, actor_id)
        if role is None and await add_member(s, case.room_id, actor_id, "shadow", deps):
            role = "shadow"
            await participation.record(s, case.id, actor_id, "shadow", now)
            who = (await names(s, actor_id))[actor_id]
            kind = "trainee" if policy.works_as_trainee(actor) else "staff"
            effects.append(await note(s, case, f"{who} is shadowing this case.", now, "shadow",
                                      account_id=actor_id, capacity=kind))
            if kind == "trainee" and deps.config.roles.announce_shadow:
                effects.append(await tell_room(s, case, ANNOUNCEMENT, now, "trainee_observing"))
            effects.append(await case_emit(s, case, now))
        elif role == "shadow":
            await participation.record(s, case.id, actor_id, "shadow", now)
        room = await s.get(Room, case.room_id)
        assert room is not None
        await s.refresh(room)
        limit = deps.config.limits.history_max
        msgs = await messages_before(s, room.id, room.last_seq + 1, limit)
        messages = await views_for(s, deps, actor, role, facts, msgs)
        view = await case_view(s, case)
    return {"case": view, "messages": messages, "membership": role}, effects


async def unshadow_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.unshadow: stop observing (only a shadow leaves this way; staff working it resolve or hand back)."""

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        role = await membership(s, case.room_id, actor_id)
        enforce(policy.can_unshadow_case(actor, role))
        result = await s.execute(delete(RoomMember).where(
            RoomMember.room_id == case.room_id, RoomMember.account_id == actor_id, RoomMember.role == "shadow"))
        effects: list[Effect] = [Join(actor_id, socket_rooms_for(case.room_id, actor), leave=True)]
        if result.rowcount == 1 and case.status in ("queued", "active", "on_hold", "escalated"):  # type: ignore[attr-defined]
            who = (await names(s, actor_id))[actor_id]
            effects.append(await note(s, case, f"{who} stopped shadowing this case.", now, "unshadow",
                                      account_id=actor_id))
        effects.append(await case_emit(s, case, now))
        view = await case_view(s, case)
    return {"case": view}, effects
