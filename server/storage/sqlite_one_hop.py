"""aiosqlite with one thread hop per statement instead of four.

SQLAlchemy's aiosqlite adapter runs every statement as cursor() + execute() + fetchall() + close(), and
aiosqlite sends each of those to its worker thread and back: four queue puts, four self-pipe wake-ups and
four GIL hand-offs for one small query. On the message path (a handful of statements per group commit)
those hops were most of the server's CPU per batch. Here a statement's whole life (cursor, execute, fetch
every row, close) is one call in the worker thread; the cursor SQLAlchemy sees only hands back what that
call captured. Same thread, same sqlite3 connection, same transaction semantics as plain aiosqlite.

Plugged in with ``create_async_engine(url, module=one_hop_dbapi())``; nothing else changes.
"""

from __future__ import annotations

import sqlite3
import types
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

_Result = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, sql: str, params: Any, many: bool = False) -> _Result:
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(sql, params)
        else:
            cur.execute(sql, params)
        rows = cur.fetchall() if cur.description else []
        return cur.description, cur.rowcount, cur.lastrowid, rows
    finally:
        cur.close()


class _Runs(Protocol):
    """A connection that runs a function of its sqlite3 connection: in aiosqlite's thread (OneHopConnection)
    or inline (storage/writer_engine.py)."""

    @property
    def _conn(self) -> Any: ...

    async def _execute(self, fn: Callable[..., Any], *args: Any) -> Any: ...


class OneHopCursor:
    """The async cursor SQLAlchemy drives; every row is already fetched when execute() returns."""

    __slots__ = ("_conn", "_rows", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, conn: _Runs) -> None:
        self._conn = conn
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    def _take(self, result: _Result) -> OneHopCursor:
        self.description, self.rowcount, self.lastrowid, rows = result
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        return self._take(await self._conn._execute(_run, self._conn._conn, sql, parameters))

    async def executemany(self, sql: str, seq_of_parameters: Any) -> OneHopCursor:
        return self._take(await self._conn._execute(_run, self._conn._conn, sql, seq_of_parameters, True))

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = size or self.arraysize
        return [self._rows.popleft() for _ in range(min(n, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    async def nextset(self) -> None:
        return None


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)


def _connect(database: Any, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneHopConnection:
    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(database), **kwargs)

    return OneHopConnection(connector, iter_chunk_size)


def one_hop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for create_async_engine(module=...): aiosqlite's, with connect() swapped."""
    shim = types.SimpleNamespace(**{k: getattr(aiosqlite, k) for k in dir(aiosqlite) if not k.startswith("__")})
    shim.connect = _connect
    shim.Connection = OneHopConnection
    return AsyncAdapt_aiosqlite_dbapi(shim, sqlite3)  # type: ignore[arg-type]
