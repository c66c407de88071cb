"""Connect/auth, the ack envelope, rate limits and presence.

Every client event answers {"ok": true, ...} or {"ok": false, "error": {...}}; a malformed payload or an
unknown event answers `invalid` and never drops the connection.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import socketio
from sqlalchemy import delete, select

from server.actions.accounts import authenticate
from server.actions.rooms import socket_rooms_for
from server.deps import Deps
from server.errors import DomainError, Invalid, RateLimited
from server.notify import ADMINS, MONITORS, Notifier, account_room
from server.socket import handlers  # noqa: F401  (registers every event)
from server.socket.registry import EVENTS, EventContext
from server.storage.facts import load_actor
from server.storage.models import Presence, RoomMember

log = logging.getLogger("livehelp.socket")


class _Bucket:
    """Token bucket per connection: events_per_second sustained, events_burst at once."""

    __slots__ = ("tokens", "stamp")

    def __init__(self, burst: float) -> None:
        self.tokens = burst
        self.stamp = time.monotonic()


def attach(sio: socketio.AsyncServer, deps: Deps, notifier: Notifier) -> None:
    limits = deps.config.limits
    buckets: dict[str, _Bucket] = {}

    def allow(sid: str) -> bool:
        b = buckets.get(sid)
        if b is None:
            b = buckets[sid] = _Bucket(limits.events_burst)
        now = time.monotonic()
        b.tokens = min(limits.events_burst, b.tokens + (now - b.stamp) * limits.events_per_second)
        b.stamp = now
        if b.tokens < 1:
            return False
        b.tokens -= 1
        return True

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            session = await authenticate(deps, token)
        except DomainError as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.to_dict()["error"]) from None
        await sio.save_session(sid, {"account_id": session.account_id, "is_guest": session.is_guest})
        now = deps.clock.now()
        async with deps.db.transaction() as s:
            s.add(Presence(sid=sid, account_id=session.account_id, server_id=deps.server_id, connected_at=now))
        async with deps.db.read() as s:
            actor = await load_actor(s, session.account_id, now)
            room_ids = [r[0] for r in (await s.execute(
                select(RoomMember.room_id).where(RoomMember.account_id == session.account_id))).all()]
        deps.connections.add(sid, session.account_id)
        await sio.enter_room(sid, account_room(session.account_id))
        if actor.has("monitor"):
            await sio.enter_room(sid, MONITORS)
        if actor.has("admin"):
            await sio.enter_room(sid, ADMINS)
        for rid in room_ids:
            for r in socket_rooms_for(rid, actor):
                await sio.enter_room(sid, r)
        log.info("connected", extra={"sid": sid, "account_id": session.account_id})

    @sio.event
    async def disconnect(sid: str, *args: Any) -> None:
        buckets.pop(sid, None)
        account_id = deps.connections.remove(sid)
        if account_id is None:
            return
        try:
            async with deps.db.transaction() as s:
                await s.execute(delete(Presence).where(Presence.sid == sid))
                left = (await s.execute(select(Presence.sid).where(Presence.account_id == account_id).limit(1))).first()
            if left is None:
                for hook in deps.on_last_disconnect:
                    await notifier.send(await hook(deps, account_id))
        except Exception:
            log.exception("disconnect cleanup failed", extra={"sid": sid, "account_id": account_id})
        log.info("disconnected", extra={"sid": sid, "account_id": account_id})

    async def dispatch(event: str, sid: str, *args: Any) -> dict[str, Any]:
        handler = EVENTS.get(event)
        if handler is None:
            return Invalid(f"unknown event {event!r}").to_dict() | {"ok": False}
        if not allow(sid):
            return RateLimited("too many events; slow down").to_dict() | {"ok": False}
        try:
            session = await sio.get_session(sid)
        except KeyError:
            return {"ok": False, "error": {"code": "unauthenticated", "message": "not connected"}}
        ctx = EventContext(deps, sid, session["account_id"], session["is_guest"])
        payload = args[0] if args else {}
        if len(args) > 1:
            return {"ok": False, **Invalid("send one JSON object as the payload").to_dict()}
        try:
            if payload is None:
                payload = {}
            if not isinstance(payload, dict):
                raise Invalid("the payload must be a JSON object")
            answer = await handler(ctx, payload)
        except DomainError as exc:
            return {"ok": False, **exc.to_dict()}
        except Exception:
            log.exception("event handler failed", extra={"event": event, "sid": sid})
            return {"ok": False, "error": {"code": "unavailable", "message": "internal error; try again"}}
        if ctx.effects:
            await notifier.send(ctx.effects)
        return {"ok": True, **answer}

    # One catch-all keeps the table the single source of events and answers unknown ones with `invalid`.
    sio.on("*", handler=dispatch)
