"""Events to emit, and the notifier that sends them only after the change is committed.

Actions return a list of Emit; transports hand the list to Notifier.send() once the action's
transaction has committed (Zulip's send_event_on_commit), so no client sees what a crash could undo.
Socket.IO rooms: account:{id}, room:{id}, room:{id}:staff, queue:{name}, staff:monitors, staff:duty.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import socketio

log = logging.getLogger("livehelp.notify")


def account_room(account_id: int) -> str:
    return f"account:{account_id}"


def room_room(room_id: int) -> str:
    return f"room:{room_id}"


def room_staff_room(room_id: int) -> str:
    return f"room:{room_id}:staff"


def queue_room(queue: str) -> str:
    return f"queue:{queue}"


MONITORS = "staff:monitors"
ADMINS = "staff:admins"


@dataclass(frozen=True)
class Emit:
    event: str
    data: Any
    to: tuple[str, ...]
    # The socket that caused it and already has the data in its ack (a sent message): not sent again.
    skip_sid: str | None = None
    # An `alert` already stored as rows (actions/alerts.py) and addressed per recipient, with its id.
    stored: bool = False


@dataclass(frozen=True)
class Join:
    """Put an account's connected sockets into Socket.IO rooms (membership changed)."""

    account_id: int
    rooms: tuple[str, ...]
    leave: bool = False


@dataclass(frozen=True)
class Disconnect:
    """Close these sockets of this process (their token was revoked, their account disabled)."""

    sids: tuple[str, ...]


@dataclass(frozen=True)
class SetRooms:
    """An account's roles or teams changed: each of its sockets here sits in exactly these Socket.IO rooms
    from now on (it leaves every other one), so what a lost role could see stops reaching it."""

    account_id: int
    rooms: tuple[str, ...]


Effect = Emit | Join | Disconnect | SetRooms


AlertStore = Callable[[list[Effect]], Awaitable[list[Effect]]]
# The sids an account has connected to the other processes of the deployment (the presence table).
RemoteSids = Callable[[int], Awaitable[list[str]]]


class Notifier:
    def __init__(self, sio: socketio.AsyncServer, connections: Any) -> None:
        self.sio = sio
        self.connections = connections
        # Set by the alerts wiring: stores any `alert` an action emitted without storing it, so every
        # alert reaches its recipients later too (actions/alerts.py store_after_commit).
        self.alert_store: AlertStore | None = None
        # Set when several processes share rooms (Redis manager): a Join then also reaches the account's
        # sockets on other processes, through the manager's enter_room (published to the one holding it).
        self.remote_sids: RemoteSids | None = None

    async def send(self, effects: Sequence[Effect]) -> None:
        if self.alert_store is not None and any(
                isinstance(e, Emit) and e.event == "alert" and not e.stored for e in effects):
            try:
                effects = await self.alert_store(list(effects))
            except Exception:  # storing must not stop the live alert
                log.exception("storing alerts failed")
        for effect in effects:
            try:
                if isinstance(effect, Disconnect):
                    for sid in effect.sids:
                        await self.sio.disconnect(sid)
                elif isinstance(effect, SetRooms):
                    wanted = set(effect.rooms)
                    for sid in self.connections.sids_of(effect.account_id):
                        for r in set(self.sio.rooms(sid)) - wanted - {sid}:
                            await self.sio.leave_room(sid, r)
                        for r in wanted:
                            await self.sio.enter_room(sid, r)
                elif isinstance(effect, Join):
                    for sid in await self._sids_anywhere(effect.account_id):
                        for r in effect.rooms:
                            if effect.leave:
                                await self.sio.leave_room(sid, r)
                            else:
                                await self.sio.enter_room(sid, r)
                elif effect.to:
                    await self.sio.emit(effect.event, effect.data, to=list(effect.to), skip_sid=effect.skip_sid)
            except Exception:  # a failed emit must never undo or hide a committed change
                log.exception("emit failed", extra={"event": getattr(effect, "event", "join")})

    async def _sids_anywhere(self, account_id: int) -> list[str]:
        local = self.connections.sids_of(account_id)
        if self.remote_sids is None:
            return local
        return local + [sid for sid in await self.remote_sids(account_id) if sid not in local]
