"""The message writer's PostgreSQL connection (server/storage/pg_batch.py), on a real server and database.

These run in the PostgreSQL pass of scripts/test.sh (LIVEHELP_TEST_DATABASE_URL); the SQLite pass skips them.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from sqlalchemy import make_url

from server.storage import pg_batch
from tests.support import LiveServer


@pytest.fixture
def pg_dsn(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the writer's PostgreSQL path: runs in the PostgreSQL pass (LIVEHELP_TEST_DATABASE_URL)")
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ops_room(server: LiveServer) -> tuple[list, int]:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    room = (await alice.ok("room.create", {"name": "#ops"}))["room"]
    await bob.ok("room.join", {"room_id": room["id"]})
    return [alice, bob], room["id"]


async def test_messages_are_stored_after_the_writers_connection_is_killed(server: LiveServer, pg_dsn: str) -> None:
    """PostgreSQL restarted or an administrator's pg_terminate_backend: the writer's held connection dies.
    The message sent next is stored (the batch is retried on a fresh connection), not refused."""
    (alice, bob), room_id = await ops_room(server)
    first = await alice.ok("message.send", {"room_id": room_id, "body": "before", "client_id": "m1"})
    admin = await asyncpg.connect(pg_dsn)
    try:
        killed = await admin.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS k")
    finally:
        await admin.close()
    assert killed >= 1
    ack = await alice.ok("message.send", {"room_id": room_id, "body": "after", "client_id": "m2"})
    assert ack["message"]["seq"] == first["message"]["seq"] + 1
    status, history = await server.get(f"/api/rooms/{room_id}/messages?after=0&limit=50", bob.token)
    assert status == 200, history
    assert [m["body"] for m in history["messages"] if m["kind"] == "chat"] == ["before", "after"]


async def test_a_row_whose_room_is_gone_is_not_stored_and_has_no_id(server: LiveServer, pg_dsn: str) -> None:
    """The facts are read before the inserting statement: a room deleted in between drops only its rows
    (the writer answers those not_found); the other rows get consecutive seqs and their ids in order."""
    (alice, _), room_id = await ops_room(server)
    sent = await alice.ok("message.send", {"room_id": room_id, "body": "first", "client_id": "m1"})
    sender_id = sent["message"]["sender"]["id"]
    seq = sent["message"]["seq"]
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)

    def row(room: int, client_id: str) -> dict:
        return dict(room_id=room, sender_id=sender_id, client_id=client_id, kind="chat", body=client_id,
                    body_sealed=None, sensitive=False, purged=False, meta=None, created_at=now)

    rows = [row(room_id, "d1"), row(10_000_000, "gone"), row(room_id, "d2")]
    conn = await asyncpg.connect(pg_dsn)
    try:
        ids = await pg_batch.store(conn, rows)
        stored = await conn.fetch("SELECT id, seq, client_id, meta::text AS meta FROM messages"
                                  " WHERE room_id = $1 ORDER BY seq", room_id)
        gone = await conn.fetchval("SELECT count(*) FROM messages WHERE client_id = 'gone'")
    finally:
        await conn.close()
    assert ids[1] is None and gone == 0
    mine = [r for r in stored if r["seq"] >= seq]
    assert [(r["seq"], r["client_id"]) for r in mine] == [(seq, "m1"), (seq + 1, "d1"), (seq + 2, "d2")]
    assert ids[0] == mine[1]["id"] and ids[2] == mine[2]["id"]
    assert (rows[0]["seq"], rows[2]["seq"]) == (seq + 1, seq + 2)
    assert mine[1]["meta"] == "null"  # as SQLAlchemy's JSON type stores None: readers see the same
