"""The message writer's duplicate lookup searches the (sender_id, client_id) index, never scans it.

Every batch asks which of its (sender, client_id) pairs are already stored. Written as a row-value
`IN (VALUES ...)`, SQLite plans that as a scan of the whole unique index for more than one pair: a cost
that grows with every message ever stored (18 ms a batch at 200,000 messages). These tests read the plan
SQLite makes for the statements the writer really runs, on the migrated schema of a running server.
"""

from __future__ import annotations

import sqlite3

import pytest

from server.storage.db import sqlite_path
from server.storage.sqlite_batch import memberships_sql, taken_keys_sql
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
    """The session path (case rooms, sensitive messages) looks up stored ids by the same join on SQLite."""
    params: list[object] = [v for i in range(pairs) for v in (i + 1, f"c{i}")]
    plan = _plan(server, taken_keys_sql(pairs, "m.id"), params)
    assert _searches_index_only(plan), plan


def _schema_copy(server: LiveServer) -> sqlite3.Connection:
    """An in-memory database with the server's migrated schema (foreign keys off), to fill freely."""
    path = sqlite_path(server.deps.config.database.url)
    if path is None:
        pytest.skip("SQLite statement costs: this run's database is PostgreSQL")
    source = sqlite3.connect(str(path))
    try:
        ddl = [sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                                                " AND name NOT LIKE 'sqlite_%'")]
    finally:
        source.close()
    conn = sqlite3.connect(":memory:")
    for sql in ddl:
        conn.execute(sql)
    return conn


def _vm_steps(conn: sqlite3.Connection, sql: str, params: list[object]) -> int:
    """SQLite virtual-machine instructions the statement takes (a cost that does not depend on timing)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn.set_progress_handler(count, 1)
    try:
        conn.execute(sql, params).fetchall()
    finally:
        conn.set_progress_handler(None, 1)
    return steps


async def test_membership_lookup_grows_with_the_batch_not_its_square(server: LiveServer) -> None:
    """A batch's memberships by its (room, sender) pairs (the statement both writer paths send on SQLite):
    ten times the pairs, about ten times the work (`room_id IN (..) AND account_id IN (..)` probed every
    combination: a hundred times)."""
    conn = _schema_copy(server)
    conn.executemany("INSERT INTO room_members (room_id, account_id, role, joined_at) VALUES (?, ?, 'member', '')",
                     [(room, 1000 + 3 * room + k) for room in range(1, 301) for k in range(3)])

    def cost(n: int) -> int:
        return _vm_steps(conn, memberships_sql(n), [v for i in range(n) for v in (i + 1, 1000 + 3 * (i + 1))])

    small, large = cost(20), cost(200)
    conn.close()
    assert large < 15 * small, (small, large)
