"""The message writer's duplicate lookup searches the (sender_id, client_id) index, never scans it.

Every batch asks which of its (sender, client_id) pairs are already stored. Written as a row-value
`IN (VALUES ...)`, SQLite plans that as a scan of the whole unique index for more than one pair: a cost
that grows with every message ever stored (18 ms a batch at 200,000 messages). These tests read the plan
SQLite makes for the statements the writer really runs, on the migrated schema of a running server.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from server.storage.db import sqlite_path
from server.storage.models import Message
from server.storage.sqlite_batch import taken_keys_sql
from tests.support import LiveServer


def _plan(server: LiveServer, sql: str, params: list[object]) -> list[str]:
    url = server.deps.config.database.url
    path = sqlite_path(url)
    if path is None:
        pytest.skip("SQLite query plans: this run's database is PostgreSQL (its row-value IN uses the index)")
    conn = sqlite3.connect(str(path))
    try:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()


def _searches_index_only(plan: list[str]) -> bool:
    on_messages = [step for step in plan if " messages" in step or step.startswith(("SEARCH m ", "SCAN m"))]
    return bool(on_messages) and all(step.startswith("SEARCH") for step in on_messages)


@pytest.mark.parametrize("pairs", [1, 2, 64])
async def test_fast_path_lookup_searches_the_index(server: LiveServer, pairs: int) -> None:
    params: list[object] = [v for i in range(pairs) for v in (i + 1, f"c{i}")]
    plan = _plan(server, taken_keys_sql(pairs), params)
    assert _searches_index_only(plan), plan


@pytest.mark.parametrize("pairs", [1, 2, 64])
async def test_session_path_lookup_searches_the_index(server: LiveServer, pairs: int) -> None:
    keys = [(i + 1, f"c{i}") for i in range(pairs)]
    stmt = select(Message.__table__.c.id).where(server.deps.writer.stored_keys(keys))
    sql = str(stmt.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
    plan = _plan(server, sql, [])
    assert _searches_index_only(plan), plan
