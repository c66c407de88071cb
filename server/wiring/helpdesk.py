"""Wiring of the helpdesk feature area: chat-activity batch hook, abandon-on-disconnect hook, the
canned-response seed, the duty hook that refreshes waiting requesters' expected wait, and one periodic
job (SLA breaches, on-hold auto-close, abandon after the grace, queue outlooks as shifts begin and end).

The job's body is `run_jobs(deps, now)`, plain and callable from tests with a FakeClock; the loop only
calls it every `helpdesk.jobs_interval` (0 = no loop at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from server.actions import abandon, activity, autoclose, canned, queue, sla
from server.api.common import NOTIFIER
from server.deps import Deps

log = logging.getLogger("livehelp.helpdesk")


async def run_jobs(deps: Deps, now: dt.datetime) -> dict[str, Any]:
    """One pass of every helpdesk job; one failing job does not stop the others."""
    out: dict[str, Any] = {}
    for name, job in (("sla", sla.run_once), ("auto_close", autoclose.run_once), ("abandon", abandon.run_once),
                      ("outlook", queue.refresh_outlooks)):
        try:
            out[name] = await job(deps, now)
        except Exception:
            log.exception("helpdesk job failed", extra={"job": name})
    return out


async def _loop(deps: Deps, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await run_jobs(deps, deps.clock.now())


def wire(app: web.Application, deps: Deps) -> None:
    deps.extras.setdefault("notifier", app[NOTIFIER])
    deps.writer.batch_hooks.append(activity.record_chat_activity)
    deps.on_last_disconnect.append(abandon.on_requester_left)
    sla.checks(deps)  # the first-response check is registered before other areas add theirs
    deps.extras.setdefault("duty_hooks", []).append(queue.on_duty_changed)  # requesters learn someone is there

    async def helpdesk_ctx(app: web.Application) -> AsyncIterator[None]:
        # Runs after the database context (create_app appends it first): the schema is there.
        await canned.seed_defaults(deps)
        await queue.outlook_changes(deps, deps.clock.now())  # the first look only records
        task = None
        if deps.config.helpdesk.jobs_interval > 0:
            task = asyncio.create_task(_loop(deps, deps.config.helpdesk.jobs_interval), name="helpdesk-jobs")
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(helpdesk_ctx)
