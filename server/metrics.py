"""Prometheus metrics (prometheus-client): what an operator graphs and alerts on.

Two kinds of figures:
- counted by this process as things happen (messages committed, ack latency per event, writer batch
  sizes): summed across processes by the scraper (`sum(rate(...))`);
- read from the database at scrape time (queue lengths and oldest waits, cases by state, connected sockets
  by role, unacknowledged alerts, outbox deliveries, first responses within the goal): the same in every
  process, so a deployment graphs them with `max(...)`.
Each app has its own registry, so several servers in one test process never share a series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, Float, func, select

from server import lifecycle
from server.storage.models import AccountRole, Case, Presence
from server.storage.models.alerts import Alert, Outbox

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from server.deps import Deps

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Acks are a few milliseconds when healthy; the top buckets catch a stalled database.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
REQUESTER = "requester"  # a connected account with no staff role


@dataclass
class Snapshot:
    """The database figures of one scrape."""

    queue_length: dict[str, int] = field(default_factory=dict)
    queue_oldest_wait: dict[str, float] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    sockets: dict[str, int] = field(default_factory=dict)
    alerts_unacknowledged: int = 0
    deliveries: dict[str, int] = field(default_factory=dict)
    first_responses: dict[bool, int] = field(default_factory=dict)


class _SnapshotCollector(Collector):
    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        yield _gauge("livehelp_queue_length", "Cases waiting to be claimed, per queue", "queue", s.queue_length)
        yield _gauge("livehelp_queue_oldest_wait_seconds", "How long the oldest waiting case of each queue has "
                     "waited (0 when none waits)", "queue", s.queue_oldest_wait)
        yield _gauge("livehelp_cases", "Cases by state", "state", s.cases)
        yield _gauge("livehelp_connected_sockets", "Connected sockets (every process) by role of their account; "
                     "an account with two roles counts in both", "role", s.sockets)
        alerts = GaugeMetricFamily("livehelp_alerts_unacknowledged", "Stored alerts nobody acknowledged yet")
        alerts.add_metric([], s.alerts_unacknowledged)
        yield alerts
        yield _gauge("livehelp_outbox_deliveries", "Outbound deliveries (e-mail, webhooks, chat) by status; "
                     "failed = gave up after every attempt", "status", s.deliveries)
        first = CounterMetricFamily("livehelp_first_responses", "Cases whose first staff reply came within the "
                                    "configured first-response goal, or later", labels=["within_goal"])
        for within in (True, False):
            first.add_metric(["true" if within else "false"], s.first_responses.get(within, 0))
        yield first


def _gauge(name: str, doc: str, label: str, values: Mapping[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key in sorted(values):
        family.add_metric([key], values[key])
    return family


class Metrics:
    """This process's instruments and the database snapshot, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter("livehelp_messages", "Messages people sent (message.send: chat, whispers, "
                                "notes) committed by this process; resends of one client_id count once",
                                registry=self.registry)
        self.ack_latency = Histogram("livehelp_event_ack_seconds", "From a socket event's arrival to its ack, "
                                     "per event", ["event"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_size = Histogram("livehelp_writer_batch_size", "Messages committed per group-commit "
                                    "transaction", buckets=BATCH_BUCKETS, registry=self.registry)
        # "direct": the writer's own connection (raw sqlite3 or asyncpg: plain rooms); "session": SQLAlchemy
        # (case rooms, sensitive messages, resends). Shows an operator which path their messages take.
        self.batches = Counter("livehelp_writer_batches", "Group-commit transactions by the path that wrote "
                               "them", ["path"], registry=self.registry)
        self._batch_paths = {path: self.batches.labels(path) for path in ("direct", "session")}
        self._snapshot = _SnapshotCollector()
        self.registry.register(self._snapshot)

    def observe_batch(self, size: int, written: int, path: str) -> None:
        self.batch_size.observe(size)
        self._batch_paths[path].inc()
        if written:
            self.messages.inc(written)

    def timed(self, dispatch: Callable[..., Awaitable[dict[str, Any]]], known: Mapping[str, object],
              monotonic: Callable[[], float]) -> Callable[..., Awaitable[dict[str, Any]]]:
        """Wrap the socket dispatcher: one latency observation per event, unknown names pooled so a
        client cannot mint label values."""
        # One labelled child per known event, looked up once (labels() costs a lock and a tuple per call,
        # and this runs for every event).
        children = {name: self.ack_latency.labels(name) for name in known}
        unknown = self.ack_latency.labels("unknown")

        async def dispatch_timed(event: str, sid: str, *args: Any) -> dict[str, Any]:
            started = monotonic()
            try:
                return await dispatch(event, sid, *args)
            finally:
                children.get(event, unknown).observe(monotonic() - started)
        return dispatch_timed

    async def render(self, deps: Deps) -> bytes:
        async with deps.db.read() as s:
            self._snapshot.snapshot = await read_snapshot(s, deps)
        return generate_latest(self.registry)


async def read_snapshot(s: AsyncSession, deps: Deps) -> Snapshot:
    now = deps.clock.now()
    snap = Snapshot()
    snap.queue_length = {q.name: 0 for q in deps.config.helpdesk.queues}
    snap.queue_oldest_wait = dict.fromkeys(snap.queue_length, 0.0)
    waiting = await s.execute(select(Case.queue, func.count(), func.min(Case.created_at))
                              .where(Case.status == lifecycle.QUEUED).group_by(Case.queue))
    for queue, n, oldest in waiting.all():
        snap.queue_length[queue] = n
        snap.queue_oldest_wait[queue] = max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0.0
    snap.cases = dict.fromkeys(lifecycle.STATUSES, 0)
    for status, n in (await s.execute(select(Case.status, func.count()).group_by(Case.status))).all():
        snap.cases[status] = n
    staff = await s.execute(select(AccountRole.role, func.count(Presence.sid))
                            .join(Presence, Presence.account_id == AccountRole.account_id).group_by(AccountRole.role))
    snap.sockets = {role: n for role, n in staff.all()}
    snap.sockets[REQUESTER] = (await s.execute(select(func.count(Presence.sid)).where(
        Presence.account_id.not_in(select(AccountRole.account_id))))).scalar_one()
    snap.alerts_unacknowledged = (await s.execute(select(func.count(Alert.id)).where(
        Alert.acknowledged_at.is_(None)))).scalar_one()
    snap.deliveries = {"pending": 0, "sent": 0, "failed": 0}
    for status, n in (await s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))).all():
        snap.deliveries[status] = n
    goal = deps.config.helpdesk.sla.first_response_goal
    within = _seconds_between(deps.db.dialect, Case.created_at, Case.first_response_at) <= goal
    answered = await s.execute(select(within, func.count()).where(Case.first_response_at.is_not(None))
                               .group_by(within))
    snap.first_responses = {bool(w): n for w, n in answered.all()}
    return snap


def _seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """end - start in seconds, in the database (so a scrape never loads every case)."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start).cast(Float)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
