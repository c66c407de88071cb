"""Wiring of the helpdesk feature area: chat-activity batch hook, abandon-on-disconnect hook, the
canned-response seed, the duty hook that refreshes waiting requesters' expected wait, and one periodic
job (SLA breaches, on-hold auto-close, abandon after the grace, re-routing unclaimed requests, queue
outlooks as shifts begin and end).

The job's body is `run_jobs(deps, now)`; the scheduler calls it every `helpdesk.jobs_interval`
(0 = never). Tests move time with `await deps.scheduler.advance(seconds)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from server.actions import abandon, activity, autoclose, canned, queue, reroute, sla
from server.deps import Deps
from server.wiring.jobs import looping_job

log = logging.getLogger("livehelp.helpdesk")


async def run_jobs(deps: Deps, now: dt.datetime) -> dict[str, Any]:
    """One pass of every helpdesk job; one failing job does not stop the others."""
    out: dict[str, Any] = {}
    for name, job in (("sla", sla.run_once), ("auto_close", autoclose.run_once), ("abandon", abandon.run_once),
                      ("reroute", reroute.run_once), ("outlook", queue.refresh_outlooks)):
        try:
            out[name] = await job(deps, now)
        except Exception:
            log.exception("helpdesk job failed", extra={"job": name})
    return out


def wire(app: web.Application, deps: Deps) -> None:
    deps.writer.batch_hooks.append(activity.record_chat_activity)
    deps.after_message.append(activity.after_message)  # the first response: case.updated to its watchers
    deps.on_last_disconnect.append(abandon.on_requester_left)
    deps.sla_checks.insert(0, sla.first_response_check)  # before the checks other areas add
    deps.on_duty_change.append(queue.on_duty_changed)  # requesters learn someone is there

    async def helpdesk_ctx(app: web.Application) -> AsyncIterator[None]:
        # Runs after the database context (create_app appends it first): the schema is there.
        await canned.seed_defaults(deps)
        await queue.outlook_changes(deps, deps.clock.now())  # the first look only records
        interval = deps.config.helpdesk.jobs_interval
        call = None
        if interval > 0:
            call = looping_job(deps, lambda: run_jobs(deps, deps.clock.now()), interval,
                               name="helpdesk-jobs")
        yield
        if call is not None:
            call.cancel()

    app.cleanup_ctx.append(helpdesk_ctx)
