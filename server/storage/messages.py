"""Message queries shared by the writer, history, sync and server-written system messages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Message, Room

_ROOMS = cast(Table, Room.__table__)
_MESSAGES = cast(Table, Message.__table__)
# Built once: the writer runs these for every batch (a statement built per call paid SQLAlchemy's
# construction and cache-key walk each time).
_BUMP_ONE = (update(_ROOMS).where(_ROOMS.c.id == bindparam("rid"))
             .values(last_seq=_ROOMS.c.last_seq + bindparam("n", type_=_ROOMS.c.last_seq.type))
             .returning(_ROOMS.c.id, _ROOMS.c.last_seq))
_LAST_SEQS_FOR_UPDATE = (select(_ROOMS.c.id, _ROOMS.c.last_seq)
                         .where(_ROOMS.c.id.in_(bindparam("rids", expanding=True))).with_for_update())
_SET_LAST_SEQ = update(_ROOMS).where(_ROOMS.c.id == bindparam("room_id")).values(last_seq=bindparam("new_last"))
# (room_id, seq) is unique, so rows are matched back by it: an unordered RETURNING lets SQLAlchemy send one
# multi-row INSERT (an ordered one falls back to a statement per row on SQLite).
_INSERT_RETURNING = insert(_MESSAGES).returning(_MESSAGES.c.id, _MESSAGES.c.room_id, _MESSAGES.c.seq)


async def allocate_seqs(session: AsyncSession, room_id: int, count: int) -> int:
    """Reserve `count` seqs in a room inside the caller's transaction; returns the first.

    The row update locks the room (PostgreSQL) or the database (SQLite) until commit, so seqs never
    collide and never leave gaps: a rolled-back transaction gives its seqs back.
    """
    return (await allocate_seqs_many(session, {room_id: count}))[room_id]


async def allocate_seqs_many(session: AsyncSession, counts: dict[int, int]) -> dict[int, int]:
    """allocate_seqs for several rooms (the group-commit path); room id -> first seq.

    One room: a single UPDATE ... RETURNING. Several: read the rooms' last_seq (FOR UPDATE: PostgreSQL
    locks the rows until commit), then one executemany UPDATE. Both statements are the same text for any
    number of rooms, so SQLAlchemy compiles them once (a CASE over the batch's rooms was a new statement,
    compiled anew, for nearly every batch). Where nothing locks the rows (SQLite before the write lock
    is taken), a concurrent writer that read the same last_seq would store the same (room_id, seq): the
    unique constraint refuses one of the two transactions, which the message writer retries.
    """
    if not counts:
        return {}
    conn = await session.connection()  # Core straight on the connection: no ORM layer on this path
    if len(counts) == 1:
        (rid, n), = counts.items()
        result = await conn.execute(_BUMP_ONE, {"rid": rid, "n": n})
        return {r_id: int(last) - n + 1 for r_id, last in result.all()}
    current = {rid: int(last) for rid, last in (await conn.execute(
        _LAST_SEQS_FOR_UPDATE, {"rids": list(counts)})).all()}
    if current:
        await conn.execute(_SET_LAST_SEQ,
                           [{"room_id": rid, "new_last": last + counts[rid]} for rid, last in current.items()])
    return {rid: last + 1 for rid, last in current.items()}


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
    conn = await session.connection()
    result = await conn.execute(_INSERT_RETURNING, rows)
    ids = {(r.room_id, r.seq): r.id for r in result.all()}
    return [ids[(row["room_id"], row["seq"])] for row in rows]
