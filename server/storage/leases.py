"""Named leases in one table: at most one process holds a name until it expires or is released.

The retention purge takes one for its whole run; every other periodic job takes one per tick (the
holder keeps it by renewing), so with several processes each job runs in one of them at a time and a
crashed holder's jobs move to another process once its lease expires. Conditional UPDATE on one row:
the same code path on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.clock import Clock
from server.storage.db import Database
from server.storage.models.retention import RetentionLease


class Lease:
    def __init__(self, db: Database, clock: Clock, server_id: str, name: str, ttl: float) -> None:
        if len(name) > 32:
            raise ValueError(f"lease names are at most 32 characters: {name!r}")
        self.db = db
        self.clock = clock
        self.name = name
        self.ttl = dt.timedelta(seconds=ttl)
        self.holder = f"{server_id}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]

    async def acquire(self) -> bool:
        """Take the lease if free or expired, or renew it if already ours; False if another holds it."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            dialect = postgresql if self.db.dialect == "postgresql" else sqlite
            await s.execute(dialect.insert(RetentionLease).values(name=self.name, holder=None, expires_at=None)
                            .on_conflict_do_nothing(index_elements=["name"]))
            result = await s.execute(
                update(RetentionLease)
                .where(RetentionLease.name == self.name,
                       or_(RetentionLease.holder.is_(None), RetentionLease.expires_at.is_(None),
                           RetentionLease.expires_at <= now, RetentionLease.holder == self.holder))
                .values(holder=self.holder, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew(self) -> bool:
        now = self.clock.now()
        async with self.db.transaction() as s:
            result = await s.execute(
                update(RetentionLease).where(RetentionLease.name == self.name, RetentionLease.holder == self.holder)
                .values(expires_at=now + self.ttl).execution_options(synchronize_session=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self) -> None:
        async with self.db.transaction() as s:
            await s.execute(
                update(RetentionLease).where(RetentionLease.name == self.name, RetentionLease.holder == self.holder)
                .values(holder=None, expires_at=None).execution_options(synchronize_session=False))

    async def current(self) -> tuple[str | None, dt.datetime | None]:
        async with self.db.read() as s:
            row = (await s.execute(select(RetentionLease.holder, RetentionLease.expires_at)
                                   .where(RetentionLease.name == self.name))).first()
        return (row[0], row[1]) if row else (None, None)
