"""SQLAlchemy over the message writer's own sqlite3 connection, inside the writer's transaction.

Why: case-room messages (and sensitive ones, and resends) need the full session path: case facts, the
sealer, the batch hooks that record first responses and escalation answers. Through the shared engine
each of a batch's dozen statements was a trip to aiosqlite's worker thread and back, and the batch a
second transaction (a second fsync) beside its plain-room messages; profiled at the paced rate of the
`--rooms case` benchmark, that session path was most of the server's CPU. Here the same SQLAlchemy code
runs on the writer's connection with no thread at all: every statement executes on the event loop, like
the direct path's (storage/sqlite_batch.py says why that never waits for the disk or the lock), within
the transaction WriterConnection.write opened, and the batch's one COMMIT goes to the writer's thread.

So a session on this engine is a view on the writer's open transaction: its commit and rollback do not
end it (the DBAPI-level commit and rollback below do nothing); WriterConnection.write commits after the
whole batch, or rolls back when anything in it raised.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from server.storage.sqlite_one_hop import OneHopCursor, one_hop_dbapi

T = TypeVar("T")


class InlineConnection:
    """The async connection SQLAlchemy's aiosqlite adapter drives, running each call on the caller's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn  # aiosqlite's attribute: the adapter's commit/rollback check it is set

    async def _execute(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def cursor(self) -> OneHopCursor:
        return OneHopCursor(self)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def commit(self) -> None:
        """Nothing: the writer commits its transaction after the whole batch (in its thread)."""

    async def rollback(self) -> None:
        """Nothing: the writer rolls its transaction back when the batch raises."""

    async def close(self) -> None:
        """Nothing: the connection is the writer's, closed with it."""

    def stop(self) -> None:
        """Nothing to stop: there is no thread."""


def writer_engine(path: Path, connection: Callable[[], Awaitable[sqlite3.Connection]]) -> AsyncEngine:
    """An engine with one connection, InlineConnection over `connection()` (the writer's sqlite3 one)."""

    async def creator() -> InlineConnection:
        return InlineConnection(await connection())

    return create_async_engine(f"sqlite+aiosqlite:///{path}", async_creator=creator, poolclass=StaticPool,
                               module=one_hop_dbapi())
