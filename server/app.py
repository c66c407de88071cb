"""create_app: the one place things are wired (config, clock, database, writer, Socket.IO, routes)."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator

import socketio
from aiohttp import web

from server.actions import presence
from server.api import alerts as api_alerts
from server.api import api_docs, web_client
from server.api import core as api_core
from server.api import escalation as api_escalation
from server.api import helpdesk as api_helpdesk
from server.api import metrics as api_metrics
from server.api import reports as api_reports
from server.api import retention as api_retention
from server.api import roles as api_roles
from server.api.common import DEPS, NOTIFIER, errors_middleware, security_headers
from server.clock import Clock, SystemClock
from server.config import Config
from server.connections import Connections
from server.deps import Deps
from server.message_writer import MessageWriter
from server.notify import Notifier
from server.scheduler import Scheduler
from server.socket.direct_emit import DirectEmitManager
from server.socket.frames import GuardedJson, GuardedPacket
from server.socket.send_queue import LivehelpSocketServer
from server.socket.server import attach
from server.storage.db import Database
from server.wiring import alerts as wire_alerts
from server.wiring import escalation as wire_escalation
from server.wiring import helpdesk as wire_helpdesk
from server.wiring import presence as wire_presence
from server.wiring import retention as wire_retention
from server.wiring import roles as wire_roles
from server.wiring import sessions as wire_sessions
from server.wiring.outbound import HttpPager, Outbound
from server.wiring.shared_limits import RedisBuckets

log = logging.getLogger("livehelp.app")
SIO = web.AppKey("sio", socketio.AsyncServer)


def create_app(config: Config, *, clock: Clock | None = None, server_id: str | None = None) -> web.Application:
    clock = clock or SystemClock()
    db = Database(config.database)
    sealer = wire_retention.make_sealer(config)
    writer = MessageWriter(db, clock, sealer, batch_max=config.database.batch_max,
                           batch_wait=config.database.batch_wait)
    connections = Connections()
    manager = socketio.AsyncRedisManager(config.server.redis_url, channel=config.server.redis_channel) if config.server.redis_url else None
    sio = LivehelpSocketServer(
        async_mode="aiohttp",
        client_manager=manager or DirectEmitManager(),
        cors_allowed_origins=list(config.server.cors_origins) or None,
        ping_interval=config.server.ping_interval,
        ping_timeout=config.server.ping_timeout,
        # Frames up to limits.socket_frame_max are read and, over the 1 MB payload cap, answered `invalid`
        # (server/socket/frames.py); larger ones close the socket without being read.
        max_http_buffer_size=config.limits.socket_frame_max,
        serializer=GuardedPacket,
        send_queue_max=config.server.send_queue_max,
        json=GuardedJson,  # orjson out (json_codec), guarded json in: python-socketio sets it on the packet class
    )
    notifier = Notifier(sio, connections)
    deps = Deps(config=config, clock=clock, db=db, writer=writer, sealer=sealer, connections=connections,
                server_id=server_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}",
                pager=HttpPager(), scheduler=Scheduler(clock), notifier=notifier, outbound=Outbound())

    app = web.Application(middlewares=[security_headers, errors_middleware], client_max_size=config.limits.http_body_max)
    writer.on_committed.append(deps.metrics.observe_batch)
    if manager is not None and config.server.redis_url:
        notifier.remote_sids = lambda account_id: presence.sids_elsewhere(deps, account_id)
        deps.shared_buckets = RedisBuckets(config.server.redis_url, config.server.redis_channel, deps.throttles)
    app[DEPS] = deps
    app[NOTIFIER] = notifier
    app[SIO] = sio
    sio.attach(app)
    attach(sio, deps, notifier)

    for routes in (api_core.routes, api_helpdesk.routes, api_roles.routes, api_escalation.routes,
                   api_retention.routes, api_alerts.routes, api_metrics.routes, api_reports.routes,
                   api_docs.routes):
        app.router.add_routes(routes)
    web_client.add_routes(app)

    app.cleanup_ctx.append(_database_and_writer)
    app.cleanup_ctx.append(_scheduler)
    for area in (wire_presence, wire_helpdesk, wire_roles, wire_escalation, wire_retention, wire_alerts,
                 wire_sessions):
        area.wire(app, deps)
    app.on_shutdown.append(_disconnect_clients)
    return app


async def _database_and_writer(app: web.Application) -> AsyncIterator[None]:
    deps = app[DEPS]
    await deps.db.upgrade()
    await presence.forget_stale(deps)
    deps.writer.start()
    log.info("ready", extra={"server_id": deps.server_id, "dialect": deps.db.dialect})
    yield
    await deps.writer.stop()
    await presence.forget_this_server(deps)
    if deps.shared_buckets is not None:
        await deps.shared_buckets.close()
    await deps.db.close()


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    """Background jobs start once the schema is there and stop before the database closes; the areas'
    contexts (appended after this one) register their calls."""
    deps = app[DEPS]
    deps.scheduler.start()
    yield
    await deps.scheduler.stop()


async def _disconnect_clients(app: web.Application) -> None:
    """On SIGTERM: let queued message writes commit and their acks go out, then close every socket
    (clients reconnect elsewhere and `sync`); the writer refuses anything later with `unavailable`."""
    sio, deps = app[SIO], app[DEPS]
    await deps.writer.drain()
    await asyncio.sleep(0.05)  # let handlers woken by the last commit send their acks
    for sid in deps.connections.all_sids():
        try:
            await sio.disconnect(sid)
        except Exception:  # shutting down must not fail on one bad socket
            log.exception("socket close failed")
    await sio.shutdown()
