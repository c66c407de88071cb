"""Group commit for the message path.

Every message.send is queued here; one task commits many messages per transaction and resolves each
sender's future only after that commit, so an acknowledged message is durable and the fsync is paid
once per batch instead of once per message. Permission checks, idempotency (sender, client_id) and seq
allocation happen inside the same transaction, so nothing is read-then-written across transactions;
the one exception is PostgreSQL's direct path, whose facts are read just before the statement that bumps
the seqs and inserts (storage/pg_batch.py says why that loses nothing at READ COMMITTED).

Two ways a message is written: in a plain or case room on the writer's own connection ("direct": raw
sqlite3, storage/sqlite_batch.py, or asyncpg, storage/pg_batch.py), the case rooms' batch hooks through a
SQLAlchemy session in the same transaction; the rest (sensitive messages, a client_id already stored)
through the full session path. On a SQLite file that session runs on the writer's connection too, in the
same transaction as the direct part (storage/writer_engine.py); on PostgreSQL the rest is a second
transaction on the shared engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from roles import policy
from roles.facts import Actor, CaseFacts, RoomFacts
from server.actions.access import refusal
from server.clock import Clock
from server.errors import Conflict, DomainError, NotFound, Unavailable
from server.sealing import Sealer
from server.storage.db import Database, sqlite_path
from server.storage.facts import case_facts_for, teams_of
from server.storage.messages import allocate_seqs_many, insert_messages
from server.storage.models import Account, AccountRole, Case, Message, Room, RoomMember
from server.storage.pg_batch import PgWriterConnection, store_in
from server.storage.sqlite_batch import (
    BatchFacts,
    SenderRow,
    WriterConnection,
    memberships_sql,
    read_facts,
    store,
    taken_keys_sql,
)
from server.storage.writer_engine import writer_engine

log = logging.getLogger("livehelp.writer")


@dataclass
class Draft:
    room_id: int
    sender_id: int
    client_id: str
    kind: str
    body: str
    sensitive: bool = False
    meta: dict[str, Any] | None = None


_MSG = Message.__table__
_ROOM = Room.__table__
_MEMBER = RoomMember.__table__
_ACCOUNT = Account.__table__
_ROLE = AccountRole.__table__
_ROOMS = select(_ROOM.c.id, _ROOM.c.kind).where(_ROOM.c.id.in_(bindparam("room_ids", expanding=True)))
# Built once, with expanding parameters: one compiled statement for any batch (session path).
_MEMBERS_BY_PAIRS = select(_MEMBER.c.room_id, _MEMBER.c.account_id, _MEMBER.c.role).where(
    tuple_(_MEMBER.c.room_id, _MEMBER.c.account_id).in_(bindparam("pairs", expanding=True)))
_IDS_BY_KEYS = select(_MSG.c.id).where(
    tuple_(_MSG.c.sender_id, _MSG.c.client_id).in_(bindparam("keys", expanding=True)))
_CASES_IN_ROOMS = select(Case).where(Case.room_id.in_(bindparam("rooms", expanding=True)))
_SENDERS_WITH_ROLES = (
    select(_ACCOUNT.c.id, _ACCOUNT.c.display_name, _ACCOUNT.c.is_guest, _ROLE.c.role)
    .select_from(_ACCOUNT.outerjoin(_ROLE, _ROLE.c.account_id == _ACCOUNT.c.id))
    .where(_ACCOUNT.c.id.in_(bindparam("sender_ids", expanding=True)))
)


@dataclass(slots=True)
class StoredMessage:
    """A just-written message row (lighter than an ORM instance on the hot path; same attributes)."""

    id: int
    room_id: int
    seq: int
    sender_id: int | None
    client_id: str | None
    kind: str
    body: str | None
    body_sealed: bytes | None
    sensitive: bool
    purged: bool
    meta: dict[str, Any] | None
    created_at: dt.datetime


@dataclass
class Written:
    """A committed (or found duplicate) message with the facts it was written under."""

    message: Message | StoredMessage
    plaintext: str | None
    duplicate: bool
    room_kind: str
    sender: Any  # an Account or a row with id, display_name, is_guest
    sender_roles: frozenset[str]
    sender_teams: frozenset[str]
    case: CaseFacts | None
    # Set by the batch hook that records first responses (server/actions/activity.py): this message is the
    # case's first answer, so its sender's action tells the case's watchers (case.updated).
    first_response: bool = False


# Runs inside the batch transaction for the newly written messages in case rooms: e.g. first_response_at.
# Whichever path wrote them, it gets a session in that transaction (on SQLite, one on the writer's own
# connection: storage/writer_engine.py). Plain rooms have no hooks: their fast path on PostgreSQL has no
# transaction around its statements.
BatchHook = Callable[[AsyncSession, list[Written], dt.datetime], Awaitable[None]]


@dataclass
class _Pending:
    draft: Draft
    future: asyncio.Future[Written] = field(repr=False)


class MessageWriter:
    def __init__(self, db: Database, clock: Clock, sealer: Sealer, *, batch_max: int = 256,
                 batch_wait: float = 0.0) -> None:
        self.db = db
        self.clock = clock
        self.sealer = sealer
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.batch_hooks: list[BatchHook] = []
        # Told (batch size, new messages, path) after each commit: the metrics' batch histogram and counters.
        # path: "direct" (the writer's own connection, below) or "session" (SQLAlchemy).
        self.on_committed: list[Callable[[int, int, str], None]] = []
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        self.written = 0
        # SQLite file: batches are written on the writer's own connection, one thread hop per batch
        # (storage/sqlite_batch.py); sensitive messages and resends take the session path...
        path = sqlite_path(db.cfg.url) if db.dialect == "sqlite" else None
        self._fast: WriterConnection | None = WriterConnection(path) if path is not None else None
        # ...and the session path runs on that same connection, in the same transaction, with no thread hop
        # per statement (storage/writer_engine.py).
        self._inline: AsyncEngine | None = (
            writer_engine(path, self._fast.connection) if path is not None and self._fast is not None else None)
        # PostgreSQL through asyncpg: the same direct path, a plain-room batch in two round trips
        # (storage/pg_batch.py).
        self._pg: PgWriterConnection | None = (
            PgWriterConnection(db.engine) if db.dialect == "postgresql" and db.engine.dialect.driver == "asyncpg"
            else None)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-writer")

    async def drain(self) -> None:
        """Stop taking new messages and wait until every queued one is committed (or refused)."""
        self._closing = True
        if self._task is not None:
            await self._queue.join()

    async def stop(self) -> None:
        """Stop taking new messages, finish every queued one, then end the task."""
        self._closing = True
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._inline is not None:
            await self._inline.dispose()
        if self._fast is not None:
            await self._fast.close()
        if self._pg is not None:
            await self._pg.close()

    async def submit(self, draft: Draft) -> Written:
        if self._closing or self._task is None:
            raise Unavailable("the server is shutting down; send again in a moment")
        fut: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(draft, fut))
        return await fut

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            # Alone in the queue: wait a moment for company (many messages per commit is what keeps the
            # server's CPU per message low at moderate load). Others already waiting: no delay.
            if self.batch_wait > 0 and self._queue.empty():
                await asyncio.sleep(self.batch_wait)
            while len(batch) < self.batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit_batch(batch)
            except Exception:
                log.exception("message batch failed; retrying one by one", extra={"size": len(batch)})
                for p in batch:
                    if not p.future.done():
                        await self._commit_one_safely(p)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit_one_safely(self, p: _Pending) -> None:
        for attempt in range(2):
            try:
                await self._commit_batch([p])
                return
            except (IntegrityError, sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError):
                if attempt == 1:
                    break
            except Exception as exc:  # never leave a sender waiting forever
                if not p.future.done():
                    p.future.set_exception(exc if isinstance(exc, DomainError) else Unavailable("could not store the message"))
                return
        if not p.future.done():
            p.future.set_exception(Unavailable("could not store the message"))

    async def _commit_batch(self, batch: list[_Pending]) -> None:
        now = self.clock.now()
        if self._fast is not None:
            direct, rest, in_session = await self._fast.write(lambda conn: self._write_sqlite(conn, batch, now))
            self._settle(len(direct), direct, "direct")
            self._settle(len(rest), in_session, "session")
            return
        if self._pg is not None:
            outcomes, batch = await self._write_direct_pg(self._pg, batch, now)
            self._settle(len(outcomes), outcomes, "direct")
            if not batch:
                return
        async with self.db.transaction() as session:
            outcomes = await self._write(session, batch, now)
        self._settle(len(batch), outcomes, "session")

    async def _write_sqlite(self, conn: sqlite3.Connection, batch: list[_Pending], now: dt.datetime
                            ) -> tuple[list[tuple[_Pending, Written | DomainError]], list[_Pending],
                                       list[tuple[_Pending, Written | DomainError]]]:
        """A whole batch in the SQLite writer's one transaction: plain- and case-room messages directly, then
        a session on the same connection (no thread hops) for the case rooms' batch hooks and for the rest
        (sensitive, resends). The session is not committed: it joined the writer's transaction, which
        WriterConnection.write commits."""
        direct, rest = self._write_direct(conn, batch, now)
        if not rest and not any(isinstance(w, Written) and w.room_kind == "case" for _, w in direct):
            return direct, rest, []
        assert self._inline is not None
        async with AsyncSession(self._inline, expire_on_commit=False) as session:
            await self._run_hooks(session, direct, now)
            return direct, rest, (await self._write(session, rest, now) if rest else [])

    def _settle(self, size: int, outcomes: list[tuple[_Pending, Written | DomainError]], path: str) -> None:
        """After a commit: count it, then answer each sender (result or refusal)."""
        if not outcomes:
            return
        self.batches += 1
        new = sum(1 for _, out in outcomes if isinstance(out, Written) and not out.duplicate)
        self.written += new
        for observe in self.on_committed:
            observe(size, new, path)
        for p, out in outcomes:
            if p.future.done():
                continue
            if isinstance(out, DomainError):
                p.future.set_exception(out)
            else:
                p.future.set_result(out)

    def _write_direct(self, conn: sqlite3.Connection, batch: list[_Pending], now: dt.datetime
                      ) -> tuple[list[tuple[_Pending, Written | DomainError]], list[_Pending]]:
        """The batch's messages in plain and case rooms, in the SQLite writer's transaction; the rest
        (sensitive, a client_id already stored) is handed back for the session path. The case rooms' batch
        hooks are the caller's to run."""
        drafts = [p.draft for p in batch]
        facts = read_facts(conn, _pairs(drafts), _keys(drafts))
        plan = _plan_direct(batch, facts, now)
        return plan.settle(store(conn, [row for _, row in plan.accepted]), facts), plan.rest

    async def _write_direct_pg(self, pg: PgWriterConnection, batch: list[_Pending], now: dt.datetime
                               ) -> tuple[list[tuple[_Pending, Written | DomainError]], list[_Pending]]:
        """The same for PostgreSQL: the facts in one round trip (two with case rooms), the seqs and rows in
        another; with case rooms, the rows and the batch hooks in one transaction on the same connection."""
        drafts = [p.draft for p in batch]
        facts = await pg.read_facts(_pairs(drafts), _keys(drafts))
        plan = _plan_direct(batch, facts, now)
        rows = [row for _, row in plan.accepted]
        if all(facts.room_kinds[row["room_id"]] != "case" for row in rows):
            return plan.settle(await pg.store(rows), facts), plan.rest
        # Case rooms: their rows and their batch hooks commit together, in one transaction.
        async with pg.transaction() as (held, session):
            outcomes = plan.settle(await store_in(held, rows), facts)
            await self._run_hooks(session, outcomes, now)
        return outcomes, plan.rest

    async def _run_hooks(self, session: AsyncSession, outcomes: list[tuple[_Pending, Written | DomainError]],
                         now: dt.datetime) -> None:
        """The batch hooks, for the messages just written in case rooms (not the duplicates)."""
        in_cases = [w for _, w in outcomes if isinstance(w, Written) and w.room_kind == "case" and not w.duplicate]
        for hook in self.batch_hooks if in_cases else ():
            await hook(session, in_cases, now)

    async def _by_pairs(self, conn: AsyncConnection, sqlite_sql: Callable[[int], str], statement: Any,
                        name: str, pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
        """Rows found by a batch's pairs (memberships by (room_id, account_id), stored messages by (sender_id,
        client_id)), one index search per pair. SQLite: the direct path's join from the pairs (a row-value IN
        of more than one pair scans the whole index there; an OR of one term per pair was a new statement to
        build and compile for every batch size); PostgreSQL: a row-value IN bound as one expanding parameter
        (one compiled statement for any batch)."""
        rows: Any  # a Result: a driver-SQL one on SQLite, a Core one on PostgreSQL
        if self.db.dialect == "sqlite":
            rows = await conn.exec_driver_sql(sqlite_sql(len(pairs)), tuple(v for pair in pairs for v in pair))
        else:
            rows = await conn.execute(statement, {name: list(pairs)})
        return list(rows.all())

    async def _write(self, session: AsyncSession, batch: list[_Pending], now: dt.datetime
                     ) -> list[tuple[_Pending, Written | DomainError]]:
        drafts = [p.draft for p in batch]
        room_ids = {d.room_id for d in drafts}
        sender_ids = {d.sender_id for d in drafts}

        # Few statements per batch, Core rows not ORM objects: this runs for every message.
        conn = await session.connection()
        rooms: dict[int, Any] = {r.id: r for r in (await conn.execute(_ROOMS, {"room_ids": list(room_ids)})).all()}
        pairs = list(dict.fromkeys((d.room_id, d.sender_id) for d in drafts))
        members = {(r[0], r[1]): r[2]
                   for r in await self._by_pairs(conn, memberships_sql, _MEMBERS_BY_PAIRS, "pairs", pairs)}
        senders: dict[int, Any] = {}
        role_sets: dict[int, set[str]] = defaultdict(set)
        for found in (await conn.execute(_SENDERS_WITH_ROLES, {"sender_ids": list(sender_ids)})).all():
            senders[found.id] = found
            if found.role is not None:
                role_sets[found.id].add(found.role)
        roles = {aid: frozenset(role_sets.get(aid, ())) for aid in senders}
        teams: dict[int, frozenset[str]] = defaultdict(frozenset)
        case_rooms = [rid for rid, r in rooms.items() if r.kind == "case"]
        cases_by_room: dict[int, CaseFacts] = {}
        if case_rooms:
            teams.update(await teams_of(session, sender_ids))  # their roles came with _SENDERS_WITH_ROLES
            cases = list((await session.execute(_CASES_IN_ROOMS, {"rooms": case_rooms})).scalars())
            facts = await case_facts_for(session, cases)
            cases_by_room = {c.room_id: facts[c.id] for c in cases}

        keys = _keys(drafts)
        existing: dict[tuple[int, str], Message] = {}
        dup_ids = [r[0] for r in await self._by_pairs(conn, _stored_ids_sql, _IDS_BY_KEYS, "keys", keys)]
        if dup_ids:  # rare: a client retrying after a lost ack
            for m in (await session.execute(select(Message).where(Message.id.in_(dup_ids)))).scalars():
                existing[(m.sender_id, m.client_id)] = m  # type: ignore[index]

        outcomes: list[tuple[_Pending, Written | DomainError | _Accepted | _SameAs]] = []
        accepted: list[tuple[_Pending, dict[str, Any]]] = []
        first_in_batch: dict[tuple[int, str], int] = {}
        for idx, p in enumerate(batch):
            d = p.draft
            sender = senders.get(d.sender_id)
            room = rooms.get(d.room_id)
            if sender is None or room is None:
                outcomes.append((p, NotFound("no such room")))
                continue
            case = cases_by_room.get(room.id)
            key = (d.sender_id, d.client_id)
            if key in existing:
                m = existing[key]
                if m.room_id != d.room_id:
                    outcomes.append((p, _client_id_taken()))
                    continue
                plaintext = m.body
                if m.sensitive and m.body_sealed is not None and not m.purged:
                    plaintext = await self.sealer.unseal(session, m.room_id, m.body_sealed)
                outcomes.append((p, Written(m, plaintext, True, room.kind, sender, roles[sender.id],
                                            teams[sender.id], cases_by_room.get(m.room_id))))
                continue
            if key in first_in_batch:
                same_room = batch[first_in_batch[key]].draft.room_id == d.room_id
                outcomes.append((p, _SameAs(first_in_batch[key]) if same_room else _client_id_taken()))
                continue
            actor = Actor(id=sender.id, roles=roles[sender.id], teams=teams[sender.id], is_guest=sender.is_guest)
            decision = policy.can_send_message(
                actor, RoomFacts(room.id, room.kind, members.get((room.id, sender.id)), case), d.kind)
            if not decision:
                outcomes.append((p, refusal(decision)))
                continue
            first_in_batch[key] = idx
            row: dict[str, Any] = dict(room_id=d.room_id, sender_id=d.sender_id, client_id=d.client_id,
                                       kind=d.kind, body=d.body, body_sealed=None, sensitive=d.sensitive,
                                       purged=False, meta=d.meta, created_at=now)
            if d.sensitive:
                where = policy.can_post_sensitive(room.kind)
                if not where:
                    outcomes.append((p, refusal(where)))
                    del first_in_batch[key]
                    continue
                row["body_sealed"] = await self.sealer.seal(session, room.id, d.body)
                row["body"] = None
            accepted.append((p, row))
            outcomes.append((p, _Accepted(len(accepted) - 1)))

        per_room: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for _, row in accepted:
            per_room[row["room_id"]].append(row)
        firsts = await allocate_seqs_many(session, {rid: len(rows) for rid, rows in per_room.items()})
        for rid, rows in per_room.items():
            for i, row in enumerate(rows):
                row["seq"] = firsts[rid] + i
        ids = await insert_messages(session, [row for _, row in accepted])

        written: list[Written] = []
        for (p, row), mid in zip(accepted, ids, strict=True):
            msg = StoredMessage(id=mid, **row)
            room = rooms[row["room_id"]]
            sender = senders[row["sender_id"]]
            written.append(Written(msg, p.draft.body, False, room.kind, sender, roles[sender.id],
                                   teams[sender.id], cases_by_room.get(room.id)))
        in_cases = [w for w in written if w.room_kind == "case"]
        if in_cases:
            for hook in self.batch_hooks:
                await hook(session, in_cases, now)

        final: list[tuple[_Pending, Written | DomainError]] = []
        for p, out in outcomes:
            if isinstance(out, _Accepted):
                final.append((p, written[out.index]))
            elif isinstance(out, _SameAs):
                first_outcome = outcomes[out.index][1]
                w = written[first_outcome.index] if isinstance(first_outcome, _Accepted) else None
                final.append((p, _dup(w) if w else Unavailable("could not store the message")))
            else:
                final.append((p, out))
        return final


def _stored_ids_sql(n: int) -> str:
    return taken_keys_sql(n, "m.id")


def _pairs(drafts: list[Draft]) -> list[tuple[int, int]]:
    """A batch's (room_id, sender_id) pairs, each once, in order."""
    return list(dict.fromkeys((d.room_id, d.sender_id) for d in drafts))


def _keys(drafts: list[Draft]) -> list[tuple[int, str]]:
    """A batch's (sender_id, client_id) keys, each once, in order."""
    return list(dict.fromkeys((d.sender_id, d.client_id) for d in drafts))


@dataclass
class _DirectPlan:
    """What a direct-path batch decided before its insert: an outcome (or placeholder) per message, the rows
    to insert, and the messages handed back to the session path."""

    outcomes: list[tuple[_Pending, Written | DomainError | _Accepted | _SameAs]]
    accepted: list[tuple[_Pending, dict[str, Any]]]
    rest: list[_Pending]

    def settle(self, ids: Sequence[int | None], facts: BatchFacts) -> list[tuple[_Pending, Written | DomainError]]:
        """Each message's outcome once its row is stored (ids in `accepted` order; None: its room is gone)."""
        written: list[Written | DomainError] = []
        for (p, row), mid in zip(self.accepted, ids, strict=True):
            if mid is None:
                written.append(NotFound("no such room"))
                continue
            sender_row: SenderRow = facts.senders[row["sender_id"]]
            case = facts.cases.get(row["room_id"])
            written.append(Written(StoredMessage(id=mid, **row), p.draft.body, False,
                                   facts.room_kinds[row["room_id"]], sender_row,
                                   facts.roles.get(sender_row.id, frozenset()),
                                   facts.teams.get(sender_row.id, frozenset()), case))
        final: list[tuple[_Pending, Written | DomainError]] = []
        for p, out in self.outcomes:
            if isinstance(out, _Accepted):
                final.append((p, written[out.index]))
            elif isinstance(out, _SameAs):
                first = written[out.index]
                final.append((p, _dup(first) if isinstance(first, Written) else first))
            else:
                final.append((p, out))
        return final


def _plan_direct(batch: list[_Pending], facts: BatchFacts, now: dt.datetime) -> _DirectPlan:
    """The permission check and idempotency of each message, from the batch's facts (same policy call, same
    outcomes as MessageWriter._write), in plain and case rooms. Handed back for the session path: sensitive
    messages (sealed there), client_ids already stored, and every later message of a room that had one
    handed back, so a room's messages keep the order they were sent in (the session path's rows come
    after)."""
    plan = _DirectPlan([], [], [])
    handed_back: set[tuple[int, str]] = set()
    rooms_handed_back: set[int] = set()
    first_in_batch: dict[tuple[int, str], int] = {}
    for p in batch:
        d = p.draft
        sender = facts.senders.get(d.sender_id)
        kind = facts.room_kinds.get(d.room_id)
        if sender is None or kind is None:
            plan.outcomes.append((p, NotFound("no such room")))
            continue
        key = (d.sender_id, d.client_id)
        if d.sensitive or key in facts.taken or key in handed_back or d.room_id in rooms_handed_back:
            handed_back.add(key)
            rooms_handed_back.add(d.room_id)
            plan.rest.append(p)
            continue
        if key in first_in_batch:
            same_room = plan.accepted[first_in_batch[key]][1]["room_id"] == d.room_id
            plan.outcomes.append((p, _SameAs(first_in_batch[key]) if same_room else _client_id_taken()))
            continue
        actor = Actor(id=sender.id, roles=facts.roles.get(sender.id, frozenset()),
                      teams=facts.teams.get(sender.id, frozenset()), is_guest=sender.is_guest)
        case = facts.cases.get(d.room_id)
        decision = policy.can_send_message(
            actor, RoomFacts(d.room_id, kind, facts.memberships.get((d.room_id, sender.id)), case), d.kind)
        if not decision:
            plan.outcomes.append((p, refusal(decision)))
            continue
        first_in_batch[key] = len(plan.accepted)
        plan.accepted.append((p, dict(room_id=d.room_id, sender_id=d.sender_id, client_id=d.client_id, kind=d.kind,
                                      body=d.body, body_sealed=None, sensitive=False, purged=False, meta=d.meta,
                                      created_at=now)))
        plan.outcomes.append((p, _Accepted(len(plan.accepted) - 1)))
    return plan


@dataclass(frozen=True)
class _Accepted:
    """Placeholder outcome: the index-th accepted row, filled in after the insert."""

    index: int


@dataclass(frozen=True)
class _SameAs:
    """Placeholder outcome: same (sender, client_id) as the batch's index-th pending message."""

    index: int


def _client_id_taken() -> Conflict:
    """A client_id names one message of its sender: reused in another room it is refused, never answered
    with the other room's message (which would drop the new one silently)."""
    return Conflict("'client_id' was already used for a message in another room; send a new one",
                    field="client_id")


def _dup(w: Written) -> Written:
    return Written(w.message, w.plaintext, True, w.room_kind, w.sender, w.sender_roles, w.sender_teams, w.case)

