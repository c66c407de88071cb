"""Wiring of the escalation feature area: config checks, hooks, team rooms at start, the response-target job.

The job's body is escalations.run_once(deps, now); the scheduler calls it every
escalation.sla_check_interval (tests move time with `await deps.scheduler.advance(seconds)`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from server.actions import distress, escalations, experts
from server.config_base import ConfigError
from server.deps import Deps
from server.wiring.jobs import looping_job

log = logging.getLogger("livehelp.escalation")


def check_teams(deps: Deps) -> None:
    """Every team the escalation section names must be a configured team (a typo would page nobody)."""
    unknown = sorted(deps.config.escalation.teams_named() - set(deps.config.roles.teams))
    if unknown:
        raise ConfigError(f"config key 'escalation': team {unknown[0]!r} is not in roles.teams")


def wire(app: web.Application, deps: Deps) -> None:
    check_teams(deps)
    distress.matcher(deps)  # compile the patterns once, at start
    deps.writer.batch_hooks.append(escalations.mark_responses)
    deps.after_message.append(experts.after_message)
    deps.after_message.append(distress.after_message)
    deps.on_case_transition.append(escalations.on_case_transition)
    # When a case's whole transcript goes (guest cases, erasure), the notes and team-room cards go too.
    deps.case_purgers.append(escalations.purge_case_text)

    async def escalation_ctx(app: web.Application) -> AsyncIterator[None]:
        # Runs after the database context (create_app appends it first): the schema is there.
        await escalations.setup_team_rooms(deps)
        interval = deps.config.escalation.sla_check_interval
        call = None
        if interval > 0:
            call = looping_job(deps, lambda: escalations.run_once(deps, deps.clock.now()), interval,
                               name="escalation-targets")
        yield
        if call is not None:
            call.cancel()
        for t in list(deps.background):
            t.cancel()

    app.cleanup_ctx.append(escalation_ctx)
