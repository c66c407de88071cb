"""Wiring of process heartbeats and the sweep of dead processes' presence (server/actions/presence.py).

Every process renews its own `alive:` lease each `server.heartbeat_interval` (held for `dead_after`); one
process at a time (a leased job) clears the presence rows of processes whose lease lapsed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from server.actions import presence
from server.deps import Deps
from server.storage.leases import Lease
from server.wiring.jobs import looping_job


def wire(app: web.Application, deps: Deps) -> None:
    cfg = deps.config.server

    async def sweep() -> None:
        await deps.notifier.send(await presence.forget_dead_servers(deps))

    async def presence_ctx(app: web.Application) -> AsyncIterator[None]:
        alive = Lease(deps.db, deps.clock, deps.server_id, presence.alive_lease_name(deps.server_id), cfg.dead_after)
        await alive.acquire()  # before the first socket connects, so no row of ours looks orphaned
        beat = deps.scheduler.looping_call(alive.acquire, cfg.heartbeat_interval, name="heartbeat")
        swept = looping_job(deps, sweep, cfg.heartbeat_interval, name="presence-sweep")
        yield
        beat.cancel()
        swept.cancel()
        await alive.release()

    app.cleanup_ctx.append(presence_ctx)
