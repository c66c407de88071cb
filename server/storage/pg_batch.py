"""The message writer's PostgreSQL connection: a plain-room batch in two round trips.

Why: through SQLAlchemy's session a batch was BEGIN, five or six statements and COMMIT, each a round trip
and each through SQLAlchemy's statement machinery and a greenlet switch; at a moderate message rate, where
batches hold one or two messages, that fixed cost was most of the server's CPU per message (2.3 ms a
message against SQLite's 1.0, bench/README.md). Here the writer holds one asyncpg connection (checked out
of the engine's pool, so it is set up like every other) and a batch is two prepared statements:

1. the facts (rooms, memberships, senders and their roles, the (sender, client_id) keys already stored)
   in one query;
2. the seqs bumped and the rows inserted in one statement, which PostgreSQL runs atomically on its own.

The facts are read outside that statement's transaction. At READ COMMITTED (the engine's level) that
loses nothing: a read inside the transaction would not lock the membership or the key either, so a
removal committed between the read and the insert was possible before as well; the seq is read and
bumped in the inserting statement, and the unique keys refuse a duplicate written meanwhile (the writer
then retries the message alone, and finds it stored).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from roles.facts import CaseFacts
from server.storage.facts import case_facts_of
from server.storage.models.escalation import OPEN
from server.storage.sqlite_batch import BatchFacts, CaseRow, SenderRow

# One query, five kinds of rows told apart by `t`: 0 room (id, kind), 1 membership (room_id, account_id,
# role), 2 sender (id, display_name, role, is_guest; one row per role), 3 a stored key (sender_id,
# client_id), 4 a sender's team (account_id, team; only when the batch has a case room). Memberships and keys are joined from their pairs so
# each is one index search.
FACTS_SQL = """
SELECT 0 AS t, r.id AS a, NULL::int AS b, r.kind AS s, NULL::text AS s2, NULL::bool AS f
  FROM rooms AS r WHERE r.id = ANY($1::int[])
UNION ALL
SELECT 1, m.room_id, m.account_id, m.role, NULL, NULL
  FROM unnest($2::int[], $3::int[]) AS p(room_id, account_id)
  JOIN room_members AS m ON m.room_id = p.room_id AND m.account_id = p.account_id
UNION ALL
SELECT 2, a.id, NULL, a.display_name, ar.role, a.is_guest
  FROM accounts AS a LEFT OUTER JOIN account_roles AS ar ON ar.account_id = a.id
 WHERE a.id = ANY($4::int[])
UNION ALL
SELECT 3, k.sender_id, NULL, k.client_id, NULL, NULL
  FROM unnest($5::int[], $6::text[]) AS k(sender_id, client_id)
  JOIN messages AS m ON m.sender_id = k.sender_id AND m.client_id = k.client_id
UNION ALL
SELECT 4, t.account_id, NULL, t.team, NULL, NULL FROM account_teams AS t WHERE t.account_id = ANY($4::int[])
   AND EXISTS (SELECT 1 FROM rooms AS c WHERE c.id = ANY($1::int[]) AND c.kind = 'case')
"""

# The cases of a batch's case rooms, with the escalation area's extras (storage/case_extras.py: the team
# owning the open escalation, the expert teams asked in) as columns of their case's row.
CASES_SQL = """
SELECT c.id, c.room_id, c.status, c.requester_id, c.helper_id, c.trainee_id, c.monitor_id, c.route, c.queue,
       c.experts::text AS experts,
       (SELECT e.team FROM escalations AS e WHERE e.case_id = c.id AND e.status = $2
         ORDER BY e.id DESC LIMIT 1) AS escalation_team,
       ARRAY(SELECT x.team FROM case_experts AS x WHERE x.case_id = c.id) AS expert_teams
  FROM cases AS c WHERE c.room_id = ANY($1::int[])
"""

# Bump each room's last_seq by its count and insert the rows with the seqs that frees, in one statement.
# A row whose room is gone meanwhile is not inserted (the join drops it); the caller sees no id for it.
STORE_SQL = """
WITH counts AS (
  SELECT * FROM unnest($1::int[], $2::int[]) AS c(room_id, n)
), bumped AS (
  UPDATE rooms SET last_seq = rooms.last_seq + counts.n FROM counts WHERE rooms.id = counts.room_id
  RETURNING rooms.id, rooms.last_seq - counts.n AS base
)
INSERT INTO messages (room_id, seq, sender_id, client_id, kind, body, body_sealed, sensitive, purged, meta,
                      created_at)
SELECT r.room_id, bumped.base + r.ord, r.sender_id, r.client_id, r.kind, r.body, NULL, false, false,
       r.meta::json, $10::timestamptz
  FROM unnest($3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[])
       AS r(room_id, ord, sender_id, client_id, kind, body, meta)
  JOIN bumped ON bumped.id = r.room_id
RETURNING id, room_id, seq
"""

async def read_facts(conn: asyncpg.Connection, pairs: Sequence[tuple[int, int]],
                     keys: Sequence[tuple[int, str]]) -> BatchFacts:
    """The facts of a batch: its (room_id, sender_id) pairs and (sender_id, client_id) keys, each once."""
    rooms = list({rid for rid, _ in pairs})
    senders = list({aid for _, aid in pairs})
    room_kinds: dict[int, str] = {}
    memberships: dict[tuple[int, int], str] = {}
    found: dict[int, SenderRow] = {}
    role_sets: dict[int, set[str]] = {}
    taken: set[tuple[int, str]] = set()
    team_sets: dict[int, set[str]] = {}
    for t, a, b, s, s2, f in await conn.fetch(
            FACTS_SQL, rooms, [rid for rid, _ in pairs], [aid for _, aid in pairs], senders,
            [sid for sid, _ in keys], [cid for _, cid in keys]):
        if t == 0:
            room_kinds[a] = s
        elif t == 1:
            memberships[(a, b)] = s
        elif t == 2:
            found[a] = SenderRow(a, s, bool(f))
            got = role_sets.setdefault(a, set())
            if s2 is not None:
                got.add(s2)
        elif t == 3:
            taken.add((a, s))
        else:
            team_sets.setdefault(a, set()).add(s)
    facts = BatchFacts(room_kinds, memberships, found, {aid: frozenset(r) for aid, r in role_sets.items()}, taken)
    facts.teams = {aid: frozenset(t) for aid, t in team_sets.items()}
    case_rooms = [rid for rid, kind in room_kinds.items() if kind == "case"]
    if case_rooms:
        facts.cases = await _cases_in(conn, case_rooms)
    return facts


async def _cases_in(conn: asyncpg.Connection, room_ids: list[int]) -> dict[int, CaseFacts]:
    """room_id -> CaseFacts of its case (one round trip, only for batches with case rooms)."""
    out: dict[int, CaseFacts] = {}
    for r in await conn.fetch(CASES_SQL, room_ids, OPEN):
        row = CaseRow(*(r[k] for k in CaseRow._fields))
        row = row._replace(experts=json.loads(row.experts) if row.experts is not None else None)
        out[r["room_id"]] = case_facts_of(row, (r["escalation_team"], frozenset(r["expert_teams"])))
    return out


async def store(conn: asyncpg.Connection, rows: list[dict[str, Any]]) -> list[int | None]:
    """Give each row the next seqs of its room (in the order given) and insert it; returns the ids, None
    for a row whose room was deleted since the facts were read (nothing is stored for it)."""
    if not rows:
        return []
    args, ords = _store_args(rows)
    return _stored_ids(await conn.fetch(STORE_SQL, *args), rows, ords)


async def store_in(held: AsyncConnection, rows: list[dict[str, Any]]) -> list[int | None]:
    """store() through SQLAlchemy's connection, so it runs in the transaction SQLAlchemy opened there (its
    asyncpg adapter sends BEGIN with the first statement it executes)."""
    if not rows:
        return []
    args, ords = _store_args(rows)
    return _stored_ids((await held.exec_driver_sql(STORE_SQL, tuple(args))).mappings().all(), rows, ords)


def _store_args(rows: list[dict[str, Any]]) -> tuple[list[Any], list[int]]:
    """STORE_SQL's arguments, and each row's place among its room's rows."""
    counts: dict[int, int] = {}
    ords: list[int] = []
    for row in rows:
        counts[row["room_id"]] = counts.get(row["room_id"], 0) + 1
        ords.append(counts[row["room_id"]])
    # Two processes bumping the same rooms in one statement each may deadlock (PostgreSQL does not promise
    # an UPDATE ... FROM its row order); the loser's batch fails and the writer retries it message by message.
    rooms = list(counts)
    created_at = rows[0]["created_at"]  # one per batch: the writer reads its clock once for the batch
    args = [rooms, [counts[rid] for rid in rooms],
            [row["room_id"] for row in rows], ords, [row["sender_id"] for row in rows],
            [row["client_id"] for row in rows], [row["kind"] for row in rows], [row["body"] for row in rows],
            [_json(row["meta"]) for row in rows], created_at]
    return args, ords


def _stored_ids(result: Sequence[Any], rows: list[dict[str, Any]], ords: list[int]
                ) -> list[int | None]:
    """Each row's id from STORE_SQL's (id, room_id, seq) rows, its seq set on the row."""
    ids: dict[tuple[int, int], int] = {}
    first: dict[int, int] = {}  # a room's rows have consecutive seqs from its lowest one, in `ords` order
    for r in result:
        ids[(r["room_id"], r["seq"])] = r["id"]
        first[r["room_id"]] = min(r["seq"], first.get(r["room_id"], r["seq"]))
    out: list[int | None] = []
    for row, n in zip(rows, ords, strict=True):
        if row["room_id"] not in first:
            out.append(None)
            continue
        row["seq"] = first[row["room_id"]] + n - 1
        out.append(ids[(row["room_id"], row["seq"])])
    return out


def _json(value: Any) -> str:
    """As SQLAlchemy's JSON type writes a value (json.dumps; None as JSON null), so readers see the same."""
    return "null" if value is None else json.dumps(value)


class PgWriterConnection:
    """One pooled connection held by the message writer, used by one task at a time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._held: AsyncConnection | None = None
        self._raw: asyncpg.Connection | None = None

    async def _connection(self) -> asyncpg.Connection:
        if self._raw is None:
            held = await self.engine.connect()
            try:
                fairy = await held.get_raw_connection()
                self._raw = fairy.driver_connection
            except BaseException:
                await held.close()
                raise
            self._held = held
        assert self._raw is not None
        return self._raw

    async def read_facts(self, pairs: Sequence[tuple[int, int]], keys: Sequence[tuple[int, str]]
                         ) -> BatchFacts:
        return await self._guarded(read_facts, pairs, keys)

    async def store(self, rows: list[dict[str, Any]]) -> list[int | None]:
        return await self._guarded(store, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[tuple[AsyncConnection, AsyncSession]]:
        """One transaction on the held connection, for a batch with case rooms: its rows (store_in) and its
        batch hooks (through the session) commit together on leaving. After any failure the connection is
        dropped, its transaction with it."""
        await self._connection()
        held = self._held
        assert held is not None
        try:
            async with held.begin(), AsyncSession(bind=held, expire_on_commit=False,
                                                   join_transaction_mode="rollback_only") as session:
                yield held, session
        except BaseException:
            await self._drop(invalidate=True)
            raise

    async def _guarded(self, fn: Any, *args: Any) -> Any:
        """fn(connection, *args); after any failure the connection is dropped and the next call takes a
        fresh one. A killed backend shows up as several different errors depending on when asyncpg notices
        (ConnectionDoesNotExistError, InterfaceError, even InternalClientError "another operation is in
        progress"), and a cancelled query leaves the protocol mid-operation: telling them apart is not worth
        it when a failure is rare and a new connection costs a few milliseconds."""
        conn = await self._connection()
        try:
            return await fn(conn, *args)
        except BaseException:
            await self._drop(invalidate=True)
            raise

    async def _drop(self, *, invalidate: bool) -> None:
        held, self._held, self._raw = self._held, None, None
        if held is None:
            return
        with contextlib.suppress(Exception):  # a dead connection may fail to close; the pool replaces it
            if invalidate:
                await held.invalidate()
            await held.close()

    async def close(self) -> None:
        await self._drop(invalidate=False)
