"""Wiring of the roles feature area: hand supervision over when a monitor's last socket goes or they
go off duty, and a periodic check for monitors who left without an event (supervision.run_once, called
every roles.supervision_check_interval; 0 = no loop; tests call run_once with the FakeClock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server.actions import supervision
from server.api.common import NOTIFIER
from server.deps import Deps

log = logging.getLogger("livehelp.roles")

# deps.extras key: hooks (deps, account_id, on_duty) -> effects, called by actions/duty.py after commit.
DUTY_HOOKS = "duty_hooks"


async def _loop(deps: Deps, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await supervision.run_once(deps, deps.clock.now())
        except Exception:  # one failed pass must not end the loop
            log.exception("supervision check failed")


def wire(app: web.Application, deps: Deps) -> None:
    deps.extras.setdefault("notifier", app[NOTIFIER])
    deps.on_last_disconnect.append(supervision.on_last_disconnect)
    deps.extras.setdefault(DUTY_HOOKS, []).append(supervision.on_duty_changed)
    interval = deps.config.roles.supervision_check_interval

    async def roles_ctx(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_loop(deps, interval), name="supervision-check") if interval > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(roles_ctx)
