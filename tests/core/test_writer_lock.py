"""The message writer when another connection holds SQLite's write lock.

The writer runs a batch's statements on the event loop and only the COMMIT in its thread
(server/storage/sqlite_batch.py, WriterConnection.write). The loop must never wait for the lock: while
another connection holds it, the batch goes to the writer's thread, which waits for it with the busy
timeout, and the server keeps answering everyone else. The server here runs on this test's own event
loop, so a loop that blocked on the lock would also stop this test from releasing it.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from server.storage.db import sqlite_path
from server.storage.sqlite_batch import BUSY_TIMEOUT_MS
from tests.core.test_chat import team_room
from tests.retention.helpers import claimed_case
from tests.support import LiveServer


def _database_file(server: LiveServer) -> str:
    assert server.deps is not None
    path = sqlite_path(server.deps.config.database.url)
    if path is None:
        pytest.skip("the write-lock hand-off is SQLite's; this run's database is PostgreSQL")
    return str(path)


async def test_message_waits_for_a_held_write_lock_without_blocking_the_server(server: LiveServer) -> None:
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    before = (await alice.ok("message.send", {"room_id": room_id, "body": "before", "client_id": "b0"}))["message"]
    other = sqlite3.connect(_database_file(server), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer (a job, the CLI) holds the lock
        send = asyncio.create_task(alice.call("message.send", {"room_id": room_id, "body": "held", "client_id": "h1"}))
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(0.3)
        assert not send.done(), "acknowledged while another connection held the write lock"
        status, _ = await asyncio.wait_for(server.get("/api/health"), 2)
        assert status == 200, "the server answers while a message waits for the lock"
        # A loop that waited for the lock itself would have stood still for the busy timeout (10 s).
        assert loop.time() - started < BUSY_TIMEOUT_MS / 2000, "the event loop waited for the write lock"
        other.execute("ROLLBACK")
        answer = await asyncio.wait_for(send, 10)
    finally:
        other.close()
    assert answer["ok"] is True, answer
    held = answer["message"]
    assert held["seq"] == before["seq"] + 1 and held["body"] == "held"
    got = await bob.wait_for("message", lambda m: m["body"] == "held")
    assert got["id"] == held["id"]
    after = (await alice.ok("message.send", {"room_id": room_id, "body": "after", "client_id": "a1"}))["message"]
    assert after["seq"] == held["seq"] + 1, "the next batch goes back to the loop path and keeps the seqs gapless"
    history = (await bob.ok("room.history", {"room_id": room_id, "limit": 50}))["messages"]
    assert [m["body"] for m in history if m["kind"] == "chat"][-3:] == ["before", "held", "after"]


async def test_refused_batch_rolls_back_and_the_next_one_commits(server: LiveServer) -> None:
    """A batch whose statements fail on the loop leaves no transaction open on the writer's connection."""
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    first = (await alice.ok("message.send", {"room_id": room_id, "body": "one", "client_id": "r1"}))["message"]
    path = _database_file(server)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:  # a trigger that fails every insert into messages: the batch's INSERT raises on the loop
        blocker.execute("CREATE TRIGGER refuse_messages BEFORE INSERT ON messages"
                        " BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        refused = await alice.call("message.send", {"room_id": room_id, "body": "two", "client_id": "r2"})
        assert refused["ok"] is False, refused
    finally:
        blocker.execute("DROP TRIGGER IF EXISTS refuse_messages")
        blocker.close()
    again = (await alice.ok("message.send", {"room_id": room_id, "body": "two", "client_id": "r2"}))["message"]
    assert again["seq"] == first["seq"] + 1, "the refused batch's seq allocation was rolled back"
    history = (await bob.ok("room.history", {"room_id": room_id, "limit": 50}))["messages"]
    assert [m["body"] for m in history if m["kind"] == "chat"][-2:] == ["one", "two"]


async def test_case_room_message_waits_for_a_held_write_lock_and_records_the_first_response(
        server: LiveServer) -> None:
    """Case-room messages go through a SQLAlchemy session on the writer's own connection, inside the same
    transaction (server/storage/writer_engine.py): the same hand-off of the lock, and the batch hook that
    records the case's first response commits with the message, not before or apart from it."""
    rita, alice, case, room_id = await claimed_case(server)
    other = sqlite3.connect(_database_file(server), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        send = asyncio.create_task(alice.call("message.send", {"room_id": room_id, "body": "hello Rita",
                                                               "client_id": "c1"}))
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(0.3)
        assert not send.done(), "acknowledged while another connection held the write lock"
        status, _ = await asyncio.wait_for(server.get("/api/health"), 2)
        assert status == 200, "the server answers while a case-room message waits for the lock"
        assert loop.time() - started < BUSY_TIMEOUT_MS / 2000, "the event loop waited for the write lock"
        unanswered = other.execute("SELECT first_response_at FROM cases WHERE id = ?", (case["id"],)).fetchone()
        assert unanswered == (None,), "the first response was written before the message's batch began"
        other.execute("ROLLBACK")
        answer = await asyncio.wait_for(send, 10)
        answered = other.execute("SELECT first_response_at FROM cases WHERE id = ?", (case["id"],)).fetchone()
    finally:
        other.close()
    assert answer["ok"] is True, answer
    assert answered is not None and answered[0] is not None, "the batch hook's update committed with the message"
    got = await rita.wait_for("message", lambda m: m["body"] == "hello Rita")
    assert got["id"] == answer["message"]["id"]


async def test_refused_case_room_batch_rolls_back_its_hooks_too(server: LiveServer) -> None:
    """A case-room batch that fails on the loop rolls back everything its session wrote (the first
    response, the seq) with it; the resend then commits it all once."""
    rita, alice, case, room_id = await claimed_case(server)
    blocker = sqlite3.connect(_database_file(server), isolation_level=None)
    try:
        blocker.execute("CREATE TRIGGER refuse_messages BEFORE INSERT ON messages"
                        " BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        last_seq = blocker.execute("SELECT last_seq FROM rooms WHERE id = ?", (room_id,)).fetchone()[0]
        refused = await alice.call("message.send", {"room_id": room_id, "body": "hello", "client_id": "k1"})
        assert refused["ok"] is False, refused
        after = blocker.execute("SELECT c.first_response_at, r.last_seq FROM cases AS c JOIN rooms AS r"
                                " ON r.id = c.room_id WHERE c.id = ?", (case["id"],)).fetchone()
        assert after == (None, last_seq), "the refused batch left a first response or a seq behind"
    finally:
        blocker.execute("DROP TRIGGER IF EXISTS refuse_messages")
        blocker.close()
    again = (await alice.ok("message.send", {"room_id": room_id, "body": "hello", "client_id": "k1"}))["message"]
    assert again["seq"] == last_seq + 1
    got = await rita.wait_for("message", lambda m: m["body"] == "hello")
    assert got["id"] == again["id"]
