"""Connect, disconnect and presence, as actions like every other step.

A socket's life is a step of the domain: connecting authenticates the token, records presence (shared by
every process through the presence table) and says which Socket.IO rooms the socket sits in; the last
socket of an account going away runs the areas' last-disconnect hooks (monitor hand-over, the abandon
grace). The socket layer only parses, calls these and applies what they return.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server.actions.accounts import Session, authenticate
from server.actions.rooms import socket_rooms_for
from server.deps import Deps
from server.notify import ADMINS, MONITORS, Effect, SetRooms, account_room
from server.storage.facts import load_actor
from server.storage.models import Case, Presence, Room, RoomMember
from server.storage.models.retention import RetentionLease

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
        rooms = await socket_rooms_of(s, session.account_id, now)
    deps.connections.add(sid, session.account_id, session.token_id)
    for hook in deps.on_connect:
        await hook(deps, session.account_id)
    return Connected(session, rooms)


async def sids_elsewhere(deps: Deps, account_id: int) -> list[str]:
    """The account's sockets connected to other processes (for a Join that must reach them too)."""
    async with deps.db.read() as s:
        rows = await s.execute(select(Presence.sid).where(Presence.account_id == account_id,
                                                          Presence.server_id != deps.server_id))
        return list(rows.scalars())


async def socket_rooms_of(s: AsyncSession, account_id: int, now: dt.datetime) -> tuple[str, ...]:
    """Every Socket.IO room an account's sockets belong in, from its current roles and memberships.

    Staff rooms follow the roles held now: a member of a team room, or of a case room it is not the
    requester of, sits there only while it is staff (a helper who lost the role hears nothing more)."""
    actor = await load_actor(s, account_id, now)
    rows = (await s.execute(
        select(RoomMember.room_id, Room.kind, Case.requester_id)
        .join(Room, Room.id == RoomMember.room_id)
        .outerjoin(Case, Case.room_id == RoomMember.room_id)
        .where(RoomMember.account_id == account_id))).all()
    rooms = [account_room(account_id)]
    if policy.hears_monitor_feed(actor):
        rooms.append(MONITORS)
    if policy.hears_admin_feed(actor):
        rooms.append(ADMINS)
    for room_id, kind, requester_id in rows:
        if not actor.is_staff and (kind == "team" or (kind == "case" and requester_id != account_id)):
            continue
        rooms.extend(socket_rooms_for(room_id, actor))
    return tuple(rooms)


async def rooms_effect(deps: Deps, account_id: int) -> list[Effect]:
    """After a role or team change: put the account's sockets here in exactly the rooms it may hear."""
    if not deps.connections.sids_of(account_id):
        return []
    async with deps.db.read() as s:
        return [SetRooms(account_id, await socket_rooms_of(s, account_id, deps.clock.now()))]


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


def alive_lease_name(server_id: str) -> str:
    """The heartbeat lease of one process (lease names are short; server ids are host names + a suffix)."""
    return "alive:" + hashlib.sha256(server_id.encode()).hexdigest()[:24]


async def forget_dead_servers(deps: Deps) -> list[Effect]:
    """Clear the presence rows of processes whose heartbeat lapsed (kill -9, a lost machine), then run the
    last-disconnect steps for the people who were connected only there: a monitor's hand-over, a
    requester's abandon grace, as if their sockets had closed."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        servers = set((await s.execute(select(Presence.server_id).distinct())).scalars()) - {deps.server_id}
        if not servers:
            return []
        names = {alive_lease_name(sid): sid for sid in servers}
        alive = set((await s.execute(select(RetentionLease.name).where(
            RetentionLease.name.in_(sorted(names)), RetentionLease.expires_at > now))).scalars())
    dead = sorted(sid for name, sid in names.items() if name not in alive)
    if not dead:
        return []
    async with deps.db.transaction() as s:
        accounts = set((await s.execute(select(Presence.account_id).where(Presence.server_id.in_(dead)))).scalars())
        await s.execute(delete(Presence).where(Presence.server_id.in_(dead)))
        await s.execute(delete(RetentionLease).where(RetentionLease.name.in_([alive_lease_name(d) for d in dead])))
        still = set((await s.execute(select(Presence.account_id).where(Presence.account_id.in_(accounts)))).scalars())
    log.warning("cleared the presence of processes that stopped answering", extra={
        "servers": dead, "accounts": len(accounts)})
    effects: list[Effect] = []
    for account_id in sorted(accounts - still):
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
