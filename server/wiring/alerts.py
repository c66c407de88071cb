"""Wiring of the alerts area: the notifier stores every alert it is handed (actions/alerts.py), a
connecting socket gets its account's unacknowledged alerts, and one scheduled job advances escalation
chains and sends due outbound deliveries every `alerts.jobs_interval` (0 = never; tests call run_jobs
or move the FakeClock with `await deps.scheduler.advance(seconds)`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from server.actions import alerts, contact, offhours, outbound
from server.api.common import NOTIFIER
from server.deps import Deps
from server.notify import Emit
from server.wiring.jobs import looping_job

log = logging.getLogger("livehelp.alerts")


async def run_jobs(deps: Deps, now: dt.datetime) -> dict[str, Any]:
    """Chains and shift starts first (they may queue deliveries), then deliveries; one failing does not stop
    the others."""
    out: dict[str, Any] = {}
    for name, job in (("chains", alerts.advance_chains), ("shift_starts", offhours.shift_starts),
                      ("outbox", outbound.deliver_due)):
        try:
            out[name] = await job(deps, now)
        except Exception:
            log.exception("alerts job failed", extra={"job": name})
    return out


async def replay(deps: Deps, sid: str, account_id: int) -> None:
    """After the connect is complete: every unacknowledged alert of the account, oldest first, to this
    socket only (its other sockets already have them)."""
    try:
        pending = await alerts.pending_for(deps, account_id)
        if pending:
            await deps.notifier.send([Emit("alert", a, (sid,), stored=True) for a in pending])
    except Exception:
        log.exception("alert replay failed", extra={"account_id": account_id})


def wire(app: web.Application, deps: Deps) -> None:
    app[NOTIFIER].alert_store = lambda effects: alerts.store_after_commit(deps, effects)
    deps.on_duty_change.append(offhours.on_duty_changed)  # coming on duty: what is waiting, oldest first
    deps.after_message.append(contact.after_message)  # staff reply to an away requester: a mail with a link
    deps.case_purgers.append(contact.purge_contact)  # the address goes with the case's transcript

    async def alerts_ctx(app: web.Application) -> AsyncIterator[None]:
        interval = deps.config.alerts.jobs_interval
        call = None
        if interval > 0:
            call = looping_job(deps, lambda: run_jobs(deps, deps.clock.now()), interval,
                               name="alerts-jobs", first_after=0)
        yield
        if call is not None:
            call.cancel()

    app.cleanup_ctx.append(alerts_ctx)
