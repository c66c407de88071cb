"""Wiring of the retention area: the real sealer (per-case keys under the master key), the key check at
start (a wrong or missing key refuses the start with one line), and the in-server purge schedule."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from retention import job
from retention.keys import Keyring, plan_master_key
from server.config import Config
from server.deps import Deps

log = logging.getLogger("livehelp.retention")


def make_sealer(config: Config) -> Keyring:
    """Resolve the master key's source now: a configured key that is missing or malformed is a ConfigError."""
    return Keyring(plan_master_key(config))


def wire(app: web.Application, deps: Deps) -> None:
    keyring = job.keyring_of(deps)
    keyring.clock = deps.clock

    async def retention_ctx(_app: web.Application) -> AsyncIterator[None]:
        await keyring.open(deps.db)  # before the server listens: a wrong key never serves
        cfg = deps.config.retention.schedule
        call = None
        if cfg.every > 0:
            call = deps.scheduler.looping_call(lambda: job.run_once(deps, deps.clock.now()), cfg.every,
                                               name="retention-purge", first_after=cfg.first_after)
        yield
        if call is not None:
            call.cancel()

    app.cleanup_ctx.append(retention_ctx)
