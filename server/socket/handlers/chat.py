"""Rooms, messages, history and sync."""

from __future__ import annotations

from typing import Any

from server.actions import messages, rooms, throttle, typing
from server.actions.accounts import me as me_action
from server.schemas.base import Empty
from server.schemas.chat import MessageSend, RoomCreate, RoomHistory, RoomRef, Sync, TypingSet
from server.socket.registry import EventContext, event


@event("message.send")
async def message_send(ctx: EventContext, p: MessageSend) -> dict[str, Any]:
    await throttle.limit_message(ctx.deps, ctx.account_id)
    view, effects = await messages.send_message(ctx.deps, ctx.account_id, p.room_id, p.body, p.client_id,
                                                p.kind, p.sensitive, origin_sid=ctx.sid)
    ctx.emit_after(effects)
    return {"message": view}


@event("typing.set")
async def typing_set(ctx: EventContext, p: TypingSet) -> dict[str, Any]:
    """A typing hint for the room (never stored; relayed where that kind of message would go)."""
    ctx.emit_after(await typing.set_typing(ctx.deps, ctx.account_id, p.room_id, p.typing, p.kind,
                                           origin_sid=ctx.sid))
    return {}


@event("room.create")
async def room_create(ctx: EventContext, p: RoomCreate) -> dict[str, Any]:
    room, effects = await rooms.create_room(ctx.deps, ctx.account_id, p.name, p.topic)
    ctx.emit_after(effects)
    return {"room": room}


@event("room.list")
async def room_list(ctx: EventContext, p: Empty) -> dict[str, Any]:
    return {"rooms": await rooms.list_rooms(ctx.deps, ctx.account_id)}


@event("room.join")
async def room_join(ctx: EventContext, p: RoomRef) -> dict[str, Any]:
    room, effects = await rooms.join_room(ctx.deps, ctx.account_id, p.room_id)
    ctx.emit_after(effects)
    return {"room": room}


@event("room.leave")
async def room_leave(ctx: EventContext, p: RoomRef) -> dict[str, Any]:
    room, effects = await rooms.leave_room(ctx.deps, ctx.account_id, p.room_id)
    ctx.emit_after(effects)
    return {"room": room}


@event("room.history")
async def room_history(ctx: EventContext, p: RoomHistory) -> dict[str, Any]:
    msgs = await messages.history(ctx.deps, ctx.account_id, p.room_id, after=p.after, before=p.before,
                                  limit=p.limit)
    return {"messages": msgs}


@event("sync")
async def sync(ctx: EventContext, p: Sync) -> dict[str, Any]:
    return await messages.sync(ctx.deps, ctx.account_id, p.since)


@event("me")
async def me(ctx: EventContext, p: Empty) -> dict[str, Any]:
    return {"account": await me_action(ctx.deps, ctx.account_id)}
