"""Connect/auth, the ack envelope, rate limits and presence.

Every client event answers {"ok": true, ...} or {"ok": false, "error": {...}}; a malformed payload or an
unknown event answers `invalid` and never drops the connection.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from pydantic import ValidationError

from server.actions import presence
from server.actions.throttle import refusal
from server.deps import Deps
from server.errors import DomainError, Invalid
from server.notify import Notifier
from server.schemas.base import invalid
from server.socket import handlers  # noqa: F401  (registers every event)
from server.socket.frames import Undecodable
from server.socket.registry import EVENTS, EventContext
from server.wiring.alerts import replay

log = logging.getLogger("livehelp.socket")


class _Bucket:
    """Token bucket per connection: events_per_second sustained, events_burst at once."""

    __slots__ = ("stamp", "tokens")

    def __init__(self, burst: float, stamp: float) -> None:
        self.tokens = burst
        self.stamp = stamp


class _Refused(socketio.exceptions.ConnectionRefusedError):
    """A refused connect carries {"code", "message"} as its data, like every other error."""

    def __init__(self, error: dict[str, str]) -> None:
        super().__init__()
        self.error_args = error


# Names python-socketio gives to the socket's own life: a client emitting them is not an event.
RESERVED = frozenset({"connect", "disconnect", "connect_error"})


def _reserved_answer(event: str) -> dict[str, object]:
    return {"ok": False, **Invalid(f"{event!r} is reserved and cannot be sent as an event").to_dict()}


def attach(sio: socketio.AsyncServer, deps: Deps, notifier: Notifier) -> None:
    limits = deps.config.limits
    buckets: dict[str, _Bucket] = {}

    def allow(sid: str) -> float:
        """0 when the event may run, else seconds until the socket's bucket has a token again."""
        now = deps.clock.monotonic()
        b = buckets.get(sid)
        if b is None:
            b = buckets[sid] = _Bucket(limits.events_burst, now)
        b.tokens = min(limits.events_burst, b.tokens + (now - b.stamp) * limits.events_per_second)
        b.stamp = now
        if b.tokens < 1:
            return (1 - b.tokens) / limits.events_per_second
        b.tokens -= 1
        return 0.0

    @sio.event
    async def connect(sid: str, environ: Any, auth: Any = None) -> dict[str, object] | None:
        if deps.connections.account_of(sid) is not None:
            return _reserved_answer("connect")  # a connected client emitted 'connect': nothing happens
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            done = await presence.connect(deps, sid, token)
        except DomainError as exc:
            raise _Refused(exc.to_dict()["error"]) from None
        await sio.save_session(sid, {"account_id": done.session.account_id, "is_guest": done.session.is_guest})
        for room in done.rooms:
            await sio.enter_room(sid, room)
        # Runs once this handler returned and the CONNECT packet went out: stored alerts come after it.
        deps.spawn(replay(deps, sid, done.session.account_id), name=f"alert-replay-{sid}")
        log.info("connected", extra={"sid": sid, "account_id": done.session.account_id})
        return None

    @sio.event
    async def disconnect(sid: str, *args: Any) -> dict[str, object] | None:
        if sio.manager.is_connected(sid, "/"):
            # python-socketio marks a socket that is really going before it calls this handler; one still
            # connected means the client emitted 'disconnect' itself: no bucket reset, no presence change.
            return _reserved_answer("disconnect")
        buckets.pop(sid, None)
        try:
            await notifier.send(await presence.disconnect(deps, sid))
        except Exception:
            log.exception("disconnect cleanup failed", extra={"sid": sid})
        log.info("disconnected", extra={"sid": sid})
        return None

    async def dispatch(event: str, sid: str, *args: Any) -> dict[str, Any]:
        if event in RESERVED:
            return _reserved_answer(event)
        if args and isinstance(args[0], Undecodable):
            return {"ok": False, **Invalid(args[0].reason).to_dict()}
        entry = EVENTS.get(event)
        if entry is None:
            return Invalid(f"unknown event {event!r}").to_dict() | {"ok": False}
        wait = allow(sid)
        if wait:
            return refusal("too many events; slow down", wait).to_dict() | {"ok": False}
        try:
            session = await sio.get_session(sid)
        except KeyError:
            return {"ok": False, "error": {"code": "unauthenticated", "message": "not connected"}}
        ctx = EventContext(deps, sid, session["account_id"], session["is_guest"])
        if len(args) > 1:
            return {"ok": False, **Invalid("send one JSON object as the payload").to_dict()}
        try:
            payload = entry.model.model_validate(args[0] if args and args[0] is not None else {}, context=limits)
        except ValidationError as exc:
            return {"ok": False, **invalid(exc).to_dict()}
        try:
            answer = await entry.handler(ctx, payload)
        except DomainError as exc:
            return {"ok": False, **exc.to_dict()}
        except Exception:
            log.exception("event handler failed", extra={"event": event, "sid": sid})
            return {"ok": False, "error": {"code": "unavailable", "message": "internal error; try again"}}
        if ctx.effects:
            await notifier.send(ctx.effects)
        return {"ok": True, **answer}

    # One catch-all keeps the table the single source of events and answers unknown ones with `invalid`.
    sio.on("*", handler=deps.metrics.timed(dispatch, EVENTS, deps.clock.monotonic))
