"""Sending, reading and fanning out messages, with each viewer's view (full, redacted, hidden).

The fan-out fast path (ordinary chat) is one emit to the room; whispers and notes go to the room's
staff; sensitive messages are fanned out per member because viewers differ (body or null).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor, CaseFacts
from server.actions import sensitive as sensitive_actions
from server.actions.access import authorized_room
from server.deps import Deps
from server.errors import Invalid
from server.message_writer import Draft, Written
from server.notify import Effect, Emit, room_room, room_staff_room
from server.storage.facts import load_actor, load_actors, roles_and_teams
from server.storage.messages import messages_after, messages_before
from server.storage.models import Account, Message, Room, RoomMember
from server.views import message_dict, sender_dict


async def send_message(deps: Deps, actor_id: int, room_id: int, body: str, client_id: str, kind: str = "chat",
                       sensitive: bool = False, meta: dict[str, Any] | None = None, origin_sid: str | None = None
                       ) -> tuple[dict[str, Any], list[Effect]]:
    """Store and fan out one message. `origin_sid`, the sending socket, gets the message in its ack
    and not again as a `message` event (the sender's other sockets do get the event)."""
    if kind not in policy.MESSAGE_KINDS:
        raise Invalid(f"'kind' must be one of {', '.join(policy.MESSAGE_KINDS)}", field="kind")
    # Configured patterns (e-mail, card number ...) seal a message before it is stored (retention area).
    auto = [] if sensitive else await sensitive_actions.auto_sensitive(deps, room_id, body)
    if auto:
        sensitive, meta = True, dict(meta or {}, auto_sensitive=auto)
    written = await deps.writer.submit(Draft(room_id, actor_id, client_id, kind, body, sensitive, meta))
    sender = sender_dict(written.sender, written.sender_roles)
    view = message_dict(written.message, sender, body=written.plaintext)
    if written.duplicate:
        return view, []
    effects = await fan_out(deps, written, view, origin_sid)
    if auto:
        effects.append(sensitive_actions.kept_private_notice(written, auto))
    for hook in deps.after_message:
        effects.extend(await hook(deps, written))
    return view, effects


async def fan_out(deps: Deps, written: Written, view: dict[str, Any], skip_sid: str | None = None) -> list[Effect]:
    msg = written.message
    if not msg.sensitive:
        to = room_staff_room(msg.room_id) if msg.kind in policy.STAFF_ONLY_KINDS else room_room(msg.room_id)
        return [Emit("message", view, (to,), skip_sid)]
    async with deps.db.read() as s:
        members = dict((await s.execute(select(RoomMember.account_id, RoomMember.role)
                                        .where(RoomMember.room_id == msg.room_id))).all())
        actors = await load_actors(s, list(members), deps.clock.now())
    return sensitive_actions.emits_by_view(actors.values(), members, written.case, msg.kind, True, "message", view,
                                           skip_sid)


async def views_for(s: AsyncSession, deps: Deps, viewer: Actor, membership: str | None, case: CaseFacts | None,
                    messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Messages as this viewer may see them: hidden ones dropped, sensitive ones redacted or unsealed."""
    sender_ids = {m.sender_id for m in messages if m.sender_id is not None}
    accounts = {a.id: a for a in (await s.execute(
        select(Account).where(Account.id.in_(sender_ids)))).scalars()} if sender_ids else {}
    roles, _ = await roles_and_teams(s, sender_ids)
    out = []
    for m in messages:
        v = policy.message_view(viewer, membership, case, m.kind, m.sensitive)
        if v == "hidden":
            continue
        sender = sender_dict(accounts.get(m.sender_id), roles.get(m.sender_id, frozenset())) if m.sender_id else None
        body = m.body
        if m.sensitive and v == "full" and m.body_sealed is not None and not m.purged:
            body = await deps.sealer.unseal(s, m.room_id, m.body_sealed)
        out.append(message_dict(m, sender, body=body, redacted=(v == "redacted")))
    return out


async def _readable_room(s: AsyncSession, deps: Deps, actor: Actor, room_id: int) -> tuple[Room, str | None, CaseFacts | None]:
    room, facts = await authorized_room(s, actor, room_id, policy.can_read_room)
    return room, facts.membership, facts.case


async def history(deps: Deps, actor_id: int, room_id: int, *, after: int | None, before: int | None,
                  limit: int) -> list[dict[str, Any]]:
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        room, membership, case = await _readable_room(s, deps, actor, room_id)
        if before is not None:
            msgs = await messages_before(s, room.id, before, limit)
        else:
            msgs = await messages_after(s, room.id, after or 0, limit)
        return await views_for(s, deps, actor, membership, case, msgs)


async def sync(deps: Deps, actor_id: int, since: dict[int, int]) -> dict[str, Any]:
    """What the caller missed, bounded per call (limits.sync_max_rooms rooms with news,
    limits.sync_max_per_room messages a room, limits.sync_max_messages in all): a room with more left is
    named in "more" and the client asks again from the last seq it got. Rooms the caller is in that
    `since` omits count from seq 0; rooms with nothing new cost no message query (rooms.last_seq)."""
    lim = deps.config.limits
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        mine = {rid: last for rid, last in (await s.execute(
            select(RoomMember.room_id, Room.last_seq).join(Room, Room.id == RoomMember.room_id)
            .where(RoomMember.account_id == actor_id))).all()}
        wanted = dict(since)
        for rid in mine:
            wanted.setdefault(rid, 0)
        out: dict[str, list[dict[str, Any]]] = {}
        more: dict[str, bool] = {}
        budget, rooms_left = lim.sync_max_messages, lim.sync_max_rooms
        for rid, seq in sorted(wanted.items()):
            if rid in mine and (mine[rid] or 0) <= seq:
                if rid in since:
                    out[str(rid)] = []
                continue
            if rooms_left <= 0 or budget <= 0:
                more[str(rid)] = True
                continue
            rooms_left -= 1
            room, membership, case = await _readable_room(s, deps, actor, rid)
            n = min(lim.sync_max_per_room, budget)
            msgs = await messages_after(s, room.id, seq, n + 1)
            if len(msgs) > n:
                more[str(rid)] = True
                msgs = msgs[:n]
            budget -= len(msgs)
            out[str(rid)] = await views_for(s, deps, actor, membership, case, msgs)
        return {"messages": out, "more": more,
                "limits": {"rooms": lim.sync_max_rooms, "per_room": lim.sync_max_per_room,
                           "messages": lim.sync_max_messages}}


def system_emit(msg: Message) -> Emit:
    """A server-written message, for everyone in the room (system messages are never sensitive)."""
    to = room_staff_room(msg.room_id) if msg.kind in policy.STAFF_ONLY_KINDS else room_room(msg.room_id)
    return Emit("message", message_dict(msg, None, body=msg.body), (to,))
