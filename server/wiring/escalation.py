"""Wiring of the escalation feature area: config checks, hooks, team rooms at start, the response-target job.

The job's body is escalations.run_once(deps, now): plain, so tests call it with the FakeClock; the
loop here only calls it every escalation.sla_check_interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from retention.purge import CASE_PURGERS
from server.actions import distress, escalations, experts
from server.api.common import NOTIFIER
from server.config_reader import ConfigError
from server.deps import Deps

log = logging.getLogger("livehelp.escalation")


def check_teams(deps: Deps) -> None:
    """Every team the escalation section names must be a configured team (a typo would page nobody)."""
    unknown = sorted(deps.config.escalation.teams_named() - set(deps.config.roles.teams))
    if unknown:
        raise ConfigError(f"config key 'escalation': team {unknown[0]!r} is not in roles.teams")


async def _loop(deps: Deps, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await escalations.run_once(deps, deps.clock.now())
        except Exception:  # the job must survive a bad pass (database restart ...)
            log.exception("escalation job failed")


def wire(app: web.Application, deps: Deps) -> None:
    check_teams(deps)
    deps.extras.setdefault("notifier", app[NOTIFIER])
    distress.matcher(deps)  # compile the patterns once, at start
    deps.writer.batch_hooks.append(escalations.mark_responses)
    deps.after_message.append(experts.after_message)
    deps.after_message.append(distress.after_message)
    deps.on_case_transition.append(escalations.on_case_transition)
    # When a case's whole transcript goes (guest cases, erasure), the notes and team-room cards go too.
    deps.extras.setdefault(CASE_PURGERS, []).append(escalations.purge_case_text)

    async def escalation_ctx(app: web.Application) -> AsyncIterator[None]:
        # Runs after the database context (create_app appends it first): the schema is there.
        await escalations.setup_team_rooms(deps)
        interval = deps.config.escalation.sla_check_interval
        task = asyncio.create_task(_loop(deps, interval), name="escalation-job") if interval > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pages = deps.extras.get("escalation.page_tasks") or set()
        for t in list(pages):
            t.cancel()

    app.cleanup_ctx.append(escalation_ctx)
