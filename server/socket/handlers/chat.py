"""Rooms, messages, history and sync."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import messages, rooms, throttle, typing
from server.actions.accounts import me as me_action
from server.errors import Invalid
from server.socket.registry import EventContext, event


def room_id_of(payload: dict[str, Any], key: str = "room_id") -> int:
    return v.integer(payload, key, minimum=1)  # type: ignore[return-value]


@event("message.send")
async def message_send(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    limits = ctx.deps.config.limits
    room_id = room_id_of(p)
    body = v.text(p, "body", max_chars=limits.message_max_chars)
    client_id = v.text(p, "client_id", max_chars=limits.client_id_max_chars, multiline=False)
    kind = v.choice(p, "kind", ("chat", "whisper", "note"), default="chat")
    sensitive = v.boolean(p, "sensitive", False)
    await throttle.limit_message(ctx.deps, ctx.account_id)
    view, effects = await messages.send_message(ctx.deps, ctx.account_id, room_id, body, client_id,  # type: ignore[arg-type]
                                                kind, sensitive, origin_sid=ctx.sid)
    ctx.emit_after(effects)
    return {"message": view}


@event("typing.set")
async def typing_set(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    """A typing hint for the room (never stored; relayed where that kind of message would go)."""
    room_id = room_id_of(p)
    on = v.boolean(p, "typing", True)
    kind = v.choice(p, "kind", ("chat", "whisper", "note"), default="chat")
    ctx.emit_after(await typing.set_typing(ctx.deps, ctx.account_id, room_id, on, kind,
                                           origin_sid=ctx.sid))
    return {}


@event("room.create")
async def room_create(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    limits = ctx.deps.config.limits
    name = v.text(p, "name", max_chars=limits.room_name_max_chars, multiline=False)
    topic = v.text(p, "topic", max_chars=500, required=False)
    room, effects = await rooms.create_room(ctx.deps, ctx.account_id, name, topic)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return {"room": room}


@event("room.list")
async def room_list(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"rooms": await rooms.list_rooms(ctx.deps, ctx.account_id)}


@event("room.join")
async def room_join(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    room, effects = await rooms.join_room(ctx.deps, ctx.account_id, room_id_of(p))
    ctx.emit_after(effects)
    return {"room": room}


@event("room.leave")
async def room_leave(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    room, effects = await rooms.leave_room(ctx.deps, ctx.account_id, room_id_of(p))
    ctx.emit_after(effects)
    return {"room": room}


@event("room.history")
async def room_history(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    limits = ctx.deps.config.limits
    after = v.integer(p, "after", required=False, minimum=0)
    before = v.integer(p, "before", required=False, minimum=1)
    if after is not None and before is not None:
        raise Invalid("give 'after' or 'before', not both")
    limit = v.integer(p, "limit", required=False, minimum=1, maximum=limits.history_max, default=50)
    msgs = await messages.history(ctx.deps, ctx.account_id, room_id_of(p), after=after, before=before,
                                  limit=limit)  # type: ignore[arg-type]
    return {"messages": msgs}


@event("sync")
async def sync(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    since_raw = p.get("since", {})
    if not isinstance(since_raw, dict):
        raise Invalid("'since' must map room ids to the last seq seen")
    since: dict[int, int] = {}
    for k, val in since_raw.items():
        try:
            rid = int(k)
        except (TypeError, ValueError):
            raise Invalid(f"'since' key {k!r} is not a room id") from None
        if isinstance(val, bool) or not isinstance(val, int) or val < 0 or rid < 1:
            raise Invalid(f"'since' value for room {k} must be a seq (whole number ≥ 0)")
        since[rid] = val
    return await messages.sync(ctx.deps, ctx.account_id, since)


@event("me")
async def me(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:

    return {"account": await me_action(ctx.deps, ctx.account_id)}
