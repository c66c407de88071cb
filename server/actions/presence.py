"""Connect, disconnect and presence, as actions like every other step.

A socket's life is a step of the domain: connecting authenticates the token, records presence (shared by
every process through the presence table) and says which Socket.IO rooms the socket sits in; the last
socket of an account going away runs the areas' last-disconnect hooks (monitor hand-over, the abandon
grace). The socket layer only parses, calls these and applies what they return.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, select

from roles import policy
from server.actions.accounts import Session, authenticate
from server.actions.rooms import socket_rooms_for
from server.deps import Deps
from server.notify import ADMINS, MONITORS, Effect, account_room
from server.storage.facts import load_actor
from server.storage.models import Presence, RoomMember

log = logging.getLogger("livehelp.presence")


@dataclass(frozen=True)
class Connected:
    session: Session
    # Socket.IO rooms the new socket enters: its account's room, staff rooms by role, its rooms' rooms.
    rooms: tuple[str, ...]


async def connect(deps: Deps, sid: str, token: object) -> Connected:
    """Authenticate (Unauthenticated on a bad token), record presence, and list the socket's rooms."""
    session = await authenticate(deps, token if isinstance(token, str) else None)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        s.add(Presence(sid=sid, account_id=session.account_id, server_id=deps.server_id, connected_at=now))
    async with deps.db.read() as s:
        actor = await load_actor(s, session.account_id, now)
        room_ids = [r[0] for r in (await s.execute(
            select(RoomMember.room_id).where(RoomMember.account_id == session.account_id))).all()]
    rooms = [account_room(session.account_id)]
    if policy.hears_monitor_feed(actor):
        rooms.append(MONITORS)
    if policy.hears_admin_feed(actor):
        rooms.append(ADMINS)
    for rid in room_ids:
        rooms.extend(socket_rooms_for(rid, actor))
    deps.connections.add(sid, session.account_id)
    return Connected(session, tuple(rooms))


async def disconnect(deps: Deps, sid: str) -> list[Effect]:
    """Forget the socket; when it was the account's last one anywhere, run the last-disconnect hooks."""
    account_id = deps.connections.remove(sid)
    if account_id is None:
        return []
    async with deps.db.transaction() as s:
        await s.execute(delete(Presence).where(Presence.sid == sid))
        left = (await s.execute(select(Presence.sid).where(Presence.account_id == account_id).limit(1))).first()
    if left is not None:
        return []
    effects: list[Effect] = []
    for hook in deps.on_last_disconnect:
        effects.extend(await hook(deps, account_id))
    return effects


async def forget_stale(deps: Deps) -> None:
    """At start: a crashed process leaves presence rows; with one process (no Redis) every row is stale."""
    if deps.config.server.redis_url:
        return
    async with deps.db.transaction() as s:
        await s.execute(delete(Presence))


async def forget_this_server(deps: Deps) -> None:
    """At shutdown: this process's sockets are gone."""
    async with deps.db.transaction() as s:
        await s.execute(delete(Presence).where(Presence.server_id == deps.server_id))
