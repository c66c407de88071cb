"""A case-room batch commits its messages and its batch hooks' updates together, on SQLite and PostgreSQL.

Case-room messages are written on the message writer's own connection (the direct path) and the hooks
(first response, last activity, escalation answers) run through a session in the same transaction
(server/message_writer.py). Here the hooks' UPDATE of the case fails after the rows were stored: nothing
of the batch may stay (no message, no seq), the sender is refused, and the same message sent again once
the fault is gone is stored once, with the first response recorded.
"""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy import make_url

from server.storage.db import sqlite_path
from tests.retention.helpers import claimed_case
from tests.support import LiveServer

_PG_TRIGGER = """
CREATE FUNCTION refuse_case_updates() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
CREATE TRIGGER refuse_case_updates BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION refuse_case_updates();
"""
_PG_DROP = "DROP TRIGGER IF EXISTS refuse_case_updates ON cases; DROP FUNCTION IF EXISTS refuse_case_updates();"
_SQLITE_TRIGGER = "CREATE TRIGGER refuse_case_updates BEFORE UPDATE ON cases BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
_SQLITE_DROP = "DROP TRIGGER IF EXISTS refuse_case_updates"
_STATE = ("SELECT c.first_response_at IS NULL, r.last_seq, (SELECT count(*) FROM messages AS m WHERE m.room_id = r.id)"
          " FROM cases AS c JOIN rooms AS r ON r.id = c.room_id WHERE c.id = {}")


class Database:
    """Raw access to the server's database from outside it (another client, as an operator's would be)."""

    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url)
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(self, sql: str) -> None:
        if self.path is not None:
            with sqlite3.connect(self.path, isolation_level=None) as conn:
                conn.execute(sql)
            return
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def row(self, sql: str) -> tuple:
        if self.path is not None:
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                return tuple(conn.execute(sql).fetchone())
            finally:
                conn.close()
        pg = await asyncpg.connect(self.dsn)
        try:
            return tuple(await pg.fetchrow(sql))
        finally:
            await pg.close()


async def test_a_failing_batch_hook_takes_the_batch_with_it(server: LiveServer) -> None:
    assert server.deps is not None
    db = Database(server.deps.config.database.url)
    rita, alice, case, room_id = await claimed_case(server)
    before = await db.row(_STATE.format(int(case["id"])))
    assert before[0] in (True, 1), "no first response yet"
    sqlite = db.path is not None
    await db.run(_SQLITE_TRIGGER if sqlite else _PG_TRIGGER)
    try:
        refused = await alice.call("message.send", {"room_id": room_id, "body": "hello Rita", "client_id": "h1"})
        assert refused["ok"] is False, refused
        assert await db.row(_STATE.format(int(case["id"]))) == before, "the refused batch left rows or a seq behind"
    finally:
        await db.run(_SQLITE_DROP if sqlite else _PG_DROP)
    sent = (await alice.ok("message.send", {"room_id": room_id, "body": "hello Rita", "client_id": "h1"}))["message"]
    assert sent["seq"] == before[1] + 1
    after = await db.row(_STATE.format(int(case["id"])))
    assert after[0] in (False, 0) and after[1:] == (before[1] + 1, before[2] + 1), after
    got = await rita.wait_for("message", lambda m: m["body"] == "hello Rita")
    assert got["id"] == sent["id"]
