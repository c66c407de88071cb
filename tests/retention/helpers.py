"""Shared steps for the retention tests: a case with its people, sending sensitive content, reading the
database file's bytes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from server.socket.registry import EVENTS
from server.storage.db import sqlite_path
from tests.support import Client, LiveServer


async def open_case(requester: Client, body: str = "I need help with my account") -> tuple[dict[str, Any], int]:
    answer = await requester.ok("help.request", {"topic": "general", "body": body})
    return answer["case"], answer["room"]["id"]


async def claimed_case(server: LiveServer, requester_name: str = "Rita") -> tuple[Client, Client, dict[str, Any], int]:
    """rita_requester opens a case, alice_helper claims it."""
    rita = await server.requester(requester_name)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    case, room_id = await open_case(rita)
    await alice.ok("case.claim", {"case_id": case["id"]})
    return rita, alice, case, room_id


async def send(c: Client, room_id: int, body: str, client_id: str, **extra: Any) -> dict[str, Any]:
    return (await c.ok("message.send", {"room_id": room_id, "body": body, "client_id": client_id, **extra}))["message"]


async def shadow(server: LiveServer, c: Client, case_id: int, room_id: int) -> Client:
    """Observe a case read-only: `case.shadow` once the roles area has it; until then the same membership
    row, and a reconnect so the socket sits in the room's Socket.IO rooms. Returns the client to use."""
    if "case.shadow" in EVENTS:
        await c.ok("case.shadow", {"case_id": case_id})
        return c
    from server.actions.rooms import set_member_role

    assert server.deps is not None
    async with server.deps.db.transaction() as s:
        await set_member_role(s, room_id, c.account["id"], "shadow", server.deps)  # type: ignore[attr-defined]
    await c.close()
    again = await server.client(c.token, c.name)
    again.account = c.account  # type: ignore[attr-defined]
    return again


def db_files(server: LiveServer) -> list[Path]:
    assert server.deps is not None
    path = sqlite_path(server.deps.config.database.url)
    assert path is not None, "SQLite only"
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def checkpoint(server: LiveServer) -> None:
    """Fold the WAL into the database file and empty it, from a separate connection."""
    files = db_files(server)
    con = sqlite3.connect(files[0])
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def file_bytes(server: LiveServer) -> bytes:
    return b"".join(p.read_bytes() for p in db_files(server))
