"""Team rooms (IRC-style #name), membership, listing."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor
from server.actions.access import access_room, enforce
from server.actions.sensitive import refuse_sensitive_text
from server.deps import Deps
from server.errors import Conflict, Invalid
from server.notify import Effect, Emit, Join, room_room, room_staff_room
from server.storage.facts import load_actor, room_facts
from server.storage.messages import append_system_message
from server.storage.models import Account, Case, Room, RoomMember
from server.views import message_dict, room_dict

ROOM_NAME = re.compile(r"^#[a-z0-9][a-z0-9_.-]*$")


def normalize_room_name(name: str, max_chars: int) -> str:
    name = name.strip().lower()
    if not name.startswith("#"):
        name = "#" + name
    if len(name) > max_chars or not ROOM_NAME.match(name):
        raise Invalid("room names look like #name: a-z, 0-9, '_', '.', '-' after the '#'")
    return name


def socket_rooms_for(room_id: int, actor: Actor) -> tuple[str, ...]:
    """The Socket.IO rooms a member's sockets sit in for one room (staff also hear whispers/notes)."""
    return (room_room(room_id), room_staff_room(room_id)) if policy.hears_staff_only(actor) else (room_room(room_id),)


async def add_member(session: AsyncSession, room_id: int, account_id: int, role: str, deps: Deps) -> bool:
    """Insert a membership if absent (concurrency-safe); True when it was new."""
    values = dict(room_id=room_id, account_id=account_id, role=role, joined_at=deps.clock.now())
    dialect = postgresql if deps.db.dialect == "postgresql" else sqlite
    stmt = dialect.insert(RoomMember).values(**values).on_conflict_do_nothing(
        index_elements=["room_id", "account_id"])
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_member_role(session: AsyncSession, room_id: int, account_id: int, role: str, deps: Deps) -> None:
    """Make sure a membership exists with this role (e.g. a shadow who takes the case becomes staff)."""
    if not await add_member(session, room_id, account_id, role, deps):
        member = await session.get(RoomMember, (room_id, account_id))
        if member is not None:
            member.role = role


async def create_room(deps: Deps, actor_id: int, name: str, topic: str | None) -> tuple[dict[str, Any], list[Effect]]:
    name = normalize_room_name(name, deps.config.limits.room_name_max_chars)
    refuse_sensitive_text(deps, topic, "the room topic", field="topic")
    now = deps.clock.now()
    try:
        async with deps.db.transaction() as s:
            actor = await load_actor(s, actor_id, now)
            decision = policy.can_create_room(actor)
            enforce(decision)
            room = Room(kind="team", name=name, topic=topic, last_seq=0, created_by=actor_id, created_at=now)
            s.add(room)
            await s.flush()
            await add_member(s, room.id, actor_id, "member", deps)
            view = room_dict(room, membership="member")
    except IntegrityError:
        raise Conflict(f"a room named {name} already exists") from None
    return view, [Join(actor_id, socket_rooms_for(room.id, actor))]


async def join_room(deps: Deps, actor_id: int, room_id: int) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        room = await access_room(s, room_id)
        facts = await room_facts(s, room, actor_id)
        decision = policy.can_join_room(actor, facts)
        enforce(decision)
        effects: list[Effect] = [Join(actor_id, socket_rooms_for(room.id, actor))]
        role = facts.membership or (policy.case_join_role(actor, facts.case) if room.kind == "case" else "member")
        if await add_member(s, room.id, actor_id, role, deps):
            display = (await s.get(Account, actor_id)).display_name  # type: ignore[union-attr]
            if room.kind == "team":
                msg = await append_system_message(s, room.id, f"{display} joined", now, {"event": "join"})
                effects.append(Emit("message", _system_view(msg), (room_room(room.id),)))
        await s.refresh(room)
        return room_dict(room, membership=role), effects


async def leave_room(deps: Deps, actor_id: int, room_id: int) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        room = await access_room(s, room_id)
        member = await s.get(RoomMember, (room_id, actor_id))
        enforce(policy.can_leave_room(actor, await room_facts(s, room, actor_id)))
        assert member is not None
        await s.delete(member)
        effects: list[Effect] = [Join(actor_id, socket_rooms_for(room.id, actor), leave=True)]
        if room.kind == "team":
            display = (await s.get(Account, actor_id)).display_name  # type: ignore[union-attr]
            msg = await append_system_message(s, room.id, f"{display} left", now, {"event": "leave"})
            effects.append(Emit("message", _system_view(msg), (room_room(room.id),)))
        await s.flush()
        return room_dict(room, membership=None), effects


async def list_rooms(deps: Deps, actor_id: int) -> list[dict[str, Any]]:
    """Rooms the caller is in, plus team rooms staff may join."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, now)
        mine = {rid: role for rid, role in (await s.execute(
            select(RoomMember.room_id, RoomMember.role).where(RoomMember.account_id == actor_id))).all()}
        q = select(Room).where(Room.id.in_(list(mine)))
        if policy.sees_all_team_rooms(actor):
            q = select(Room).where((Room.id.in_(list(mine))) | (Room.kind == "team"))
        rooms = list((await s.execute(q.order_by(Room.id))).scalars())
        out = []
        case_by_room = {c.room_id: c.id for c in (await s.execute(
            select(Case).where(Case.room_id.in_([r.id for r in rooms if r.kind == "case"])))).scalars()}
        for r in rooms:
            d = room_dict(r, membership=mine.get(r.id))
            if r.id in case_by_room:
                d["case_id"] = case_by_room[r.id]
            out.append(d)
        return out


def _system_view(msg: Any) -> dict[str, Any]:

    return message_dict(msg, None, body=msg.body)

