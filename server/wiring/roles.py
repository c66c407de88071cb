"""Wiring of the roles feature area: hand supervision over when a monitor goes off duty or their last
socket stays gone past roles.monitor_grace, and a periodic check for monitors who left without an event (supervision.run_once, called
every roles.supervision_check_interval by the scheduler; 0 = never)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server.actions import supervision
from server.deps import Deps
from server.wiring.jobs import looping_job

log = logging.getLogger("livehelp.roles")

def wire(app: web.Application, deps: Deps) -> None:
    deps.on_last_disconnect.append(supervision.on_last_disconnect)
    deps.on_connect.append(supervision.on_connect)  # a monitor back within roles.monitor_grace
    deps.on_duty_change.append(supervision.on_duty_changed)
    interval = deps.config.roles.supervision_check_interval

    async def roles_ctx(app: web.Application) -> AsyncIterator[None]:
        call = None
        if interval > 0:
            call = looping_job(deps, lambda: supervision.run_once(deps, deps.clock.now()), interval,
                               name="supervision-check")
        yield
        if call is not None:
            call.cancel()

    app.cleanup_ctx.append(roles_ctx)
