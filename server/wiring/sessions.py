"""Wiring of the session check (server/actions/session_check.py): every auth.session_check_interval the
scheduler re-checks this process's open sockets (0 = never; tests advance the FakeClock)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from server.actions.session_check import Watermark, check_sockets
from server.deps import Deps


def wire(app: web.Application, deps: Deps) -> None:
    interval = deps.config.auth.session_check_interval
    mark = Watermark()

    async def run() -> None:
        await deps.notifier.send(await check_sockets(deps, mark))

    async def sessions_ctx(app: web.Application) -> AsyncIterator[None]:
        call = None
        if interval > 0:
            await run()  # reads the role-audit watermark before the first socket connects
            call = deps.scheduler.looping_call(run, interval, name="session-check")
        yield
        if call is not None:
            call.cancel()

    app.cleanup_ctx.append(sessions_ctx)
