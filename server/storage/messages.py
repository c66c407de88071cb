"""Message queries shared by the writer, history, sync and server-written system messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Message, Room


async def allocate_seqs(session: AsyncSession, room_id: int, count: int) -> int:
    """Reserve `count` seqs in a room inside the caller's transaction; returns the first.

    The row update locks the room (PostgreSQL) or the database (SQLite) until commit, so seqs never
    collide and never leave gaps: a rolled-back transaction gives its seqs back.
    """
    return (await allocate_seqs_many(session, {room_id: count}))[room_id]


async def allocate_seqs_many(session: AsyncSession, counts: dict[int, int]) -> dict[int, int]:
    """allocate_seqs for several rooms in one statement (the group-commit path); room id -> first seq."""
    if not counts:
        return {}
    rooms = Room.__table__
    if len(counts) == 1:
        (rid, n), = counts.items()
        bump: Any = rooms.c.last_seq + n
    else:
        bump = rooms.c.last_seq + sql_case(counts, value=rooms.c.id, else_=0)
    result = await session.execute(
        update(rooms).where(rooms.c.id.in_(list(counts))).values(last_seq=bump)
        .returning(rooms.c.id, rooms.c.last_seq)
    )
    return {rid: int(last) - counts[rid] + 1 for rid, last in result.all()}


async def append_system_message(
    session: AsyncSession, room_id: int, body: str, now: dt.datetime, meta: dict[str, Any] | None = None,
    kind: str = "system",
) -> Message:
    """Server-written message in the caller's transaction (atomic with the state change it reports)."""
    seq = await allocate_seqs(session, room_id, 1)
    msg = Message(room_id=room_id, seq=seq, sender_id=None, client_id=None, kind=kind, body=body,
                  sensitive=False, purged=False, meta=meta, created_at=now)
    session.add(msg)
    await session.flush()
    return msg


async def messages_after(session: AsyncSession, room_id: int, after: int, limit: int) -> list[Message]:
    rows = await session.execute(
        select(Message).where(Message.room_id == room_id, Message.seq > after).order_by(Message.seq).limit(limit)
    )
    return list(rows.scalars())


async def messages_before(session: AsyncSession, room_id: int, before: int, limit: int) -> list[Message]:
    rows = await session.execute(
        select(Message).where(Message.room_id == room_id, Message.seq < before)
        .order_by(Message.seq.desc()).limit(limit)
    )
    return list(reversed(list(rows.scalars())))


async def insert_messages(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many messages in one statement; returns ids in the order given."""
    if not rows:
        return []
    table = Message.__table__
    # (room_id, seq) is unique, so rows are matched back by it: an unordered RETURNING lets SQLAlchemy
    # send one multi-row INSERT (an ordered one falls back to a statement per row on SQLite).
    result = await session.execute(insert(table).returning(table.c.id, table.c.room_id, table.c.seq), rows)
    ids = {(r.room_id, r.seq): r.id for r in result.all()}
    return [ids[(row["room_id"], row["seq"])] for row in rows]
