"""Typing indicators: "Alice is typing…" relayed to a room, never stored.

A typing hint goes only where the message being typed would go: a `chat` to everyone in the room (the
requester included), a `whisper` or `note` to the room's staff only, so a requester never learns that staff
are whispering. Only someone allowed to send that kind there now may signal it (the same policy as
message.send). Starts are relayed at most once per `THROTTLE_SECONDS` per person, room and kind, in this process;
stops always go through. Nothing is written to the database: a hint lost on a restart costs nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from roles import policy
from roles.facts import Actor, RoomFacts
from server.actions.access import authorized_room
from server.deps import Deps
from server.notify import Effect, Emit, room_room, room_staff_room
from server.storage.facts import load_actor
from server.storage.models import Account
from server.views import person

THROTTLE_SECONDS = 2.0
_MAX_REMEMBERED = 10_000
# (account id, room id, kind) -> when a start was last relayed (a hint's throttle, not state anyone relies on).
_last_start: dict[tuple[int, int, str], dt.datetime] = {}


def _throttled(key: tuple[int, int, str], now: dt.datetime) -> bool:
    last = _last_start.get(key)
    if last is not None and (now - last).total_seconds() < THROTTLE_SECONDS:
        return True
    if len(_last_start) >= _MAX_REMEMBERED:
        _last_start.clear()
    _last_start[key] = now
    return False


async def set_typing(deps: Deps, actor_id: int, room_id: int, typing: bool, kind: str,
                     origin_sid: str | None = None) -> list[Effect]:
    """Relay one typing hint (or nothing, when throttled); refused like the message it announces."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        actor: Actor = await load_actor(s, actor_id, now)

        def can(a: Actor, facts: RoomFacts) -> policy.Decision:
            return policy.can_send_message(a, facts, kind)

        room, _facts = await authorized_room(s, actor, room_id, can)
        who = person(await s.get(Account, actor_id))
    key = (actor_id, room.id, kind)
    if typing and _throttled(key, now):
        return []
    if not typing:
        _last_start.pop(key, None)
    to = room_staff_room(room.id) if kind in policy.STAFF_ONLY_KINDS else room_room(room.id)
    data: dict[str, Any] = {"room_id": room.id, "account": who, "typing": typing, "kind": kind}
    return [Emit("typing", data, (to,), skip_sid=origin_sid)]
