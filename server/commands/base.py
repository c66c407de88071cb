"""What a shell command needs: config from flags/env, a Deps without sockets, a clean one-line failure."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.clock import SystemClock
from server.config import Config, load_config
from server.connections import Connections
from server.deps import Deps
from server.message_writer import MessageWriter
from server.scheduler import Scheduler
from server.storage.db import Database
from server.wiring import retention as wire_retention
from server.wiring.outbound import HttpPager


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="config file (default: $LIVEHELP_CONFIG or ./config.yaml)")
    p.add_argument("--database-url", default=None, help="overrides database.url and $LIVEHELP_DATABASE_URL")


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(args.config, database_url=args.database_url)


@asynccontextmanager
async def command_deps(config: Config) -> AsyncIterator[Deps]:
    """Deps for a command: the schema upgraded, no sockets, the writer not running."""
    clock = SystemClock()
    db = Database(config.database)
    await db.upgrade()
    sealer = wire_retention.make_sealer(config)
    writer = MessageWriter(db, clock, sealer)
    deps = Deps(config=config, clock=clock, db=db, writer=writer, sealer=sealer, connections=Connections(),
                server_id="cli", pager=HttpPager(), scheduler=Scheduler(clock))
    try:
        yield deps
    finally:
        await db.close()
