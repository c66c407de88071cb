"""The message writer's SQLite connection: a group commit's statements on the loop, its COMMIT in a thread.

Why: through SQLAlchemy and aiosqlite a one-message batch made about seven worker-thread hops (begin,
five statements, commit), each through SQLAlchemy's statement machinery; at a moderate message rate,
where batches are small, that fixed cost per batch was most of the server's CPU per message. Here the
writer owns one sqlite3 connection and one thread; a batch is one function of plain sqlite3 calls (BEGIN
IMMEDIATE, read the facts, decide, allocate seqs, insert) run on the event loop, then the COMMIT in the
thread: one hop per batch (WriterConnection.write says why the statements are not in the thread too).
Case rooms' batch hooks and the rest of a batch (sensitive messages, resends) go through a SQLAlchemy
session on this same connection, in the same transaction (storage/writer_engine.py): still one COMMIT.

The connection is set up like the engine's (server/storage/db.py: WAL, foreign keys, full sync, secure
delete; its busy timeout is used only in the thread), so a commit here is as durable as one through
SQLAlchemy. BEGIN IMMEDIATE takes the write lock before anything is read, so the seqs read and bumped
cannot race another writer. Values
are bound through the columns' own SQLAlchemy type processors, so rows are stored exactly as the ORM
stores them (timestamps, JSON, booleans).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite as sqlite_dialect

from roles.facts import CaseFacts
from server.storage import case_extras
from server.storage.facts import case_facts_of
from server.storage.models import Case, Message

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10000  # as the engine's (server/storage/db.py), when the writer's thread waits for the lock
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=0",  # the event loop never waits for the lock: see WriterConnection.write
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
)

_MSG = cast(Table, Message.__table__)
_DIALECT = sqlite_dialect.dialect()
INSERT_COLUMNS = ("room_id", "seq", "sender_id", "client_id", "kind", "body", "body_sealed", "sensitive",
                  "purged", "meta", "created_at")
_INSERT = f"INSERT INTO messages ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
_BIND = [_MSG.c[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT) for name in INSERT_COLUMNS]


@dataclass(slots=True, frozen=True)
class SenderRow:
    """What the message path needs of its sender (the attributes of an Account it reads)."""

    id: int
    display_name: str
    is_guest: bool


@dataclass(slots=True)
class BatchFacts:
    """Everything a batch's permission checks read, read inside its transaction."""

    room_kinds: dict[int, str]
    memberships: dict[tuple[int, int], str]  # (room_id, account_id) -> membership role
    senders: dict[int, SenderRow]
    roles: dict[int, frozenset[str]]
    taken: set[tuple[int, str]]  # (sender_id, client_id) pairs already stored
    # For batches with case rooms: each one's case (room_id -> its case) and the senders' teams.
    cases: dict[int, CaseFacts] = field(default_factory=dict)
    teams: dict[int, frozenset[str]] = field(default_factory=dict)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def taken_keys_sql(n: int, columns: str = "m.sender_id, m.client_id") -> str:
    """Which of n (sender_id, client_id) pairs are stored (`columns` of their messages). A join from the pairs, not `(sender_id, client_id)
    IN (VALUES ...)`: for more than one pair SQLite plans that row-value IN as a scan of the whole unique
    index (tens of ms a batch once the table holds 10^5 messages, growing with it); the join searches the
    index once per pair (tests/core/test_query_plans.py)."""
    return (f"WITH k(sender_id, client_id) AS (VALUES {', '.join('(?, ?)' for _ in range(n))})"
            f" SELECT {columns} FROM k JOIN messages AS m"
            " ON m.sender_id = k.sender_id AND m.client_id = k.client_id")


def memberships_sql(n: int) -> str:
    """The memberships of n (room_id, account_id) pairs. A join from the pairs, not `room_id IN (...) AND
    account_id IN (...)`: SQLite answers that by searching the key for every room x account combination,
    quadratic in the batch (3 ms for 200 messages against 0.16 ms this way)."""
    return (f"WITH p(room_id, account_id) AS (VALUES {', '.join('(?, ?)' for _ in range(n))})"
            " SELECT r.room_id, r.account_id, r.role FROM p JOIN room_members AS r"
            " ON r.room_id = p.room_id AND r.account_id = p.account_id")


def read_facts(conn: sqlite3.Connection, pairs: Sequence[tuple[int, int]],
               keys: Sequence[tuple[int, str]]) -> BatchFacts:
    """The facts of a batch: its (room_id, sender_id) pairs and (sender_id, client_id) keys, each once."""
    rooms = list({rid for rid, _ in pairs})
    senders = list({aid for _, aid in pairs})
    room_kinds: dict[int, str] = {}
    for rid, kind in conn.execute(f"SELECT id, kind FROM rooms WHERE id IN ({_marks(len(rooms))})", rooms):
        room_kinds[rid] = kind
    memberships: dict[tuple[int, int], str] = {}
    for rid, aid, role in conn.execute(memberships_sql(len(pairs)), [v for pair in pairs for v in pair]):
        memberships[(rid, aid)] = role
    found: dict[int, SenderRow] = {}
    role_sets: dict[int, set[str]] = {}
    for aid, name, is_guest, role in conn.execute(
            "SELECT accounts.id, accounts.display_name, accounts.is_guest, account_roles.role FROM accounts"
            " LEFT OUTER JOIN account_roles ON account_roles.account_id = accounts.id"
            f" WHERE accounts.id IN ({_marks(len(senders))})", senders):
        found[aid] = SenderRow(aid, name, bool(is_guest))
        got = role_sets.setdefault(aid, set())
        if role is not None:
            got.add(role)
    taken: set[tuple[int, str]] = set()
    for sid, cid in conn.execute(taken_keys_sql(len(keys)), [v for k in keys for v in k]):
        taken.add((sid, cid))
    facts = BatchFacts(room_kinds, memberships, found, {aid: frozenset(r) for aid, r in role_sets.items()}, taken)
    case_rooms = [rid for rid, kind in room_kinds.items() if kind == "case"]
    if case_rooms:
        facts.cases = _cases_in(conn, case_rooms)
        team_sets: dict[int, set[str]] = {}
        for aid, team in conn.execute(
                f"SELECT account_id, team FROM account_teams WHERE account_id IN ({_marks(len(senders))})", senders):
            team_sets.setdefault(aid, set()).add(team)
        facts.teams = {aid: frozenset(t) for aid, t in team_sets.items()}
    return facts


def _cases_in(conn: sqlite3.Connection, room_ids: list[int]) -> dict[int, CaseFacts]:
    """room_id -> CaseFacts of its case, with the escalation area's extras (storage/case_extras.py)."""
    rows = [CaseRow(*row) for row in conn.execute(
        f"SELECT {', '.join(CaseRow._fields)} FROM cases WHERE room_id IN ({_marks(len(room_ids))})", room_ids)]
    if not rows:
        return {}
    ids = [r.id for r in rows]
    extras = case_extras.by_case(conn.execute(case_extras.sqlite_sql(len(ids)), case_extras.sqlite_params(ids)))
    return {r.room_id: case_facts_of(r._replace(experts=_EXPERTS(r.experts)), extras.get(r.id)) for r in rows}


class CaseRow(NamedTuple):
    """The columns of a case its CaseFacts are made of (storage/facts.py, case_facts_of); PostgreSQL's
    direct path reads the same (storage/pg_batch.py)."""

    id: int
    room_id: int
    status: str
    requester_id: int
    helper_id: int | None
    trainee_id: int | None
    monitor_id: int | None
    route: str | None
    queue: str
    experts: Any  # JSON text as stored; decoded by _EXPERTS


_EXPERTS = cast(Table, Case.__table__).c.experts.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None) \
    or (lambda value: value)


def store(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Give each row the next seqs of its room (in the order given) and insert it; returns the ids."""
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["room_id"]] = counts.get(row["room_id"], 0) + 1
    next_seq: dict[int, int] = {}
    for rid, n in counts.items():
        (last,) = conn.execute("UPDATE rooms SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq",
                               (n, rid)).fetchone()
        next_seq[rid] = int(last) - n + 1
    ids: list[int] = []
    # The type processors (timestamp checks and formatting, JSON, booleans) run once per distinct value in a
    # batch: its rows share one created_at and mostly the same flags.
    bound: dict[tuple[int, Any], Any] = {}

    def bind(i: int, value: Any) -> Any:
        process = _BIND[i]
        if process is None:
            return value
        if isinstance(value, (dict, list)):  # unhashable (JSON)
            return process(value)
        key = (i, value)
        if key not in bound:
            bound[key] = process(value)
        return bound[key]

    cur = conn.cursor()
    try:
        for row in rows:
            row["seq"] = next_seq[row["room_id"]]
            next_seq[row["room_id"]] += 1
            cur.execute(_INSERT, [bind(i, row[c]) for i, c in enumerate(INSERT_COLUMNS)])
            ids.append(cast(int, cur.lastrowid))
    finally:
        cur.close()
    return ids


def _commit(conn: sqlite3.Connection) -> None:
    """COMMIT (the fsync); a failed commit leaves no transaction open behind it."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _begin_waiting(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE with the usual busy timeout: for when another connection holds the write lock."""
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def _itself(conn: sqlite3.Connection) -> sqlite3.Connection:
    return conn


class WriterConnection:
    """One sqlite3 connection, used by one task at a time: on the event loop and on a thread of its own.

    The thread takes work from a SimpleQueue and hands each result back with call_soon_threadsafe: about
    28 us of CPU a call against 46-87 for run_in_executor (its concurrent Future, condition variable and
    chained callbacks), paid once per batch, which at a moderate message rate is about once per message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._work: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        return conn

    def _serve(self) -> None:
        while (call := self._work.get()) is not None:
            loop, future, fn, args = call
            result: Any = None
            error: BaseException | None = None
            try:
                if self._conn is None:
                    self._conn = self._connect()
                result = fn(self._conn, *args)
            except BaseException as exc:  # handed to the awaiting task, never lost in this thread
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, future, result, error)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(connection, *args) in the connection's thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="message-writer-sqlite", daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._work.put((loop, future, fn, args))
        return await future

    async def connection(self) -> sqlite3.Connection:
        """The connection (opened in the thread the first time)."""
        return self._conn if self._conn is not None else await self.run(_itself)

    async def write(self, work: Callable[[sqlite3.Connection], Awaitable[T]]) -> T:
        """BEGIN IMMEDIATE, `work` here on the event loop, COMMIT (the fsync) in the connection's thread.

        Why: every sqlite3 call lets go of the GIL and takes it back. In the thread, a batch's dozen
        statements each had to win the GIL back from the event loop; when the loop is busy that waits for
        the interpreter's switch interval, again and again: at saturation a 153-message batch took 63 ms of
        wall time for 16 ms of CPU (bench/README.md). On the loop nothing competes for the GIL, and the
        statements do not wait for the disk (pages come from the cache and are written at COMMIT); only the
        COMMIT, which does wait for the disk, goes to the thread. The loop never waits for the write lock:
        the connection's busy timeout is 0, and when another connection holds the lock the BEGIN goes to
        the thread, which waits for it with the usual busy timeout; the work then runs here as usual.
        `work` must not give the loop to anyone else's use of this connection: the writer is its only user,
        one batch at a time."""
        conn = await self.connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # locked by another connection (or failing): the patient path
            await self.run(_begin_waiting)
        try:
            out = await work(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        await self.run(_commit)
        return out

    async def close(self) -> None:
        """Finish the queued work, close the connection, end the thread."""
        if self._thread is None:
            return
        self._work.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread = None


_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    """On the loop: the awaiting task may have been cancelled meanwhile (then there is no one to tell)."""
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
