"""What every action needs, made once in create_app (or a CLI command) and passed explicitly (no globals).

Every field is typed: feature areas register their hooks in the typed lists below, and outside services
(the pager webhook today, SMTP later) are adapters behind a Protocol, built in server/wiring/ and
injected here, so a domain module never opens a network client itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol

from server.buckets import Throttles
from server.clock import Clock
from server.config import Config
from server.config_sections.alerts import SmtpConfig
from server.connections import Connections
from server.metrics import Metrics
from server.scheduler import Scheduler
from server.storage.db import Database

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from server.actions.distress import Matcher
    from server.actions.sla import SlaCheck
    from server.message_writer import MessageWriter, Written
    from server.notify import Effect
    from server.sealing import Sealer
    from server.storage.models import Case

# Called after a batch of messages committed, once per new message (alerts, expert responded ...).
AfterMessageHook = Callable[["Deps", "Written"], Awaitable[list["Effect"]]]
# Called when an account's last socket disconnects (monitor hand-over, abandon ...).
DisconnectHook = Callable[["Deps", int], Awaitable[list["Effect"]]]
# Called when a socket of an account connected, after its presence is recorded (a monitor back within
# the grace keeps supervising).
ConnectHook = Callable[["Deps", int], Awaitable[None]]
# Called inside the transaction of a case state change made by actions/cases.py (resolve, hold ...) with
# (session, deps, case, action, actor_id, now): e.g. a resolved escalation records who closed it and when.
CaseTransitionHook = Callable[["AsyncSession", "Deps", "Case", str, "int | None", "dt.datetime"],
                              Awaitable[list["Effect"]]]
# Called after an account's duty changed (account_id, on_duty): supervision hand-over, queue outlooks.
DutyHook = Callable[["Deps", int, bool], Awaitable[list["Effect"]]]
# Called inside a case's purge transaction when its whole transcript goes (session, case_id, dry_run):
# other areas clear their own free text (escalation notes, team-room cards); returns items cleared.
CasePurger = Callable[["AsyncSession", int, bool], Awaitable[int]]


class EffectSender(Protocol):
    """Sends effects after commit (server/notify.py's Notifier; a CLI command has no sockets)."""

    async def send(self, effects: Sequence[Effect]) -> None: ...


class NoSockets:
    """The sender of a CLI command: no socket is connected to this process, so nothing to emit."""

    async def send(self, effects: Sequence[Effect]) -> None:
        return None


class Pager(Protocol):
    """Outbound adapter for the on-call pager webhook (server/wiring/outbound.py builds the real one)."""

    async def post(self, url: str, payload: dict[str, Any]) -> None: ...


class OutboundClient(Protocol):
    """Outbound adapter for alert deliveries (server/wiring/outbound.py builds the real one). Both
    methods raise on failure, so the outbox records the error and retries."""

    async def send_mail(self, message: EmailMessage, smtp: SmtpConfig) -> None: ...

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None: ...


class SharedBuckets(Protocol):
    """The per-account message bucket shared by every process (server/wiring/shared_limits.py)."""

    async def take(self, account_id: int, now: float, per_second: float, burst: int) -> float: ...

    async def close(self) -> None: ...


class NoOutbound:
    """A CLI command delivers nothing: its outbox rows wait for the server's delivery job."""

    async def send_mail(self, message: EmailMessage, smtp: SmtpConfig) -> None:
        raise RuntimeError("this process has no outbound client")

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        raise RuntimeError("this process has no outbound client")


@dataclass
class JobLocks:
    """A job run by the scheduler never overlaps itself, but an admin's or a test's direct call may meet
    the scheduled one: these keep each job to one pass at a time within the process."""

    sla: asyncio.Lock = field(default_factory=asyncio.Lock)
    autoclose: asyncio.Lock = field(default_factory=asyncio.Lock)
    abandon: asyncio.Lock = field(default_factory=asyncio.Lock)
    outbox: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class Deps:
    config: Config
    clock: Clock
    db: Database
    writer: MessageWriter
    sealer: Sealer
    connections: Connections
    server_id: str
    pager: Pager
    scheduler: Scheduler
    notifier: EffectSender = field(default_factory=NoSockets)
    outbound: OutboundClient = field(default_factory=NoOutbound)
    after_message: list[AfterMessageHook] = field(default_factory=list)
    on_last_disconnect: list[DisconnectHook] = field(default_factory=list)
    on_connect: list[ConnectHook] = field(default_factory=list)
    on_case_transition: list[CaseTransitionHook] = field(default_factory=list)
    on_duty_change: list[DutyHook] = field(default_factory=list)
    case_purgers: list[CasePurger] = field(default_factory=list)
    sla_checks: list[SlaCheck] = field(default_factory=list)
    locks: JobLocks = field(default_factory=JobLocks)
    # Background tasks that must not be garbage-collected before they finish (pager posts ...).
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # queue name -> (off hours, next shift) as last told to waiting requesters (actions/queue.py).
    outlooks: dict[str, tuple[bool, dt.datetime | None]] = field(default_factory=dict)
    # The personal-escalation patterns, compiled once at start (actions/distress.py).
    distress_matcher: Matcher | None = None
    # Abuse-limit state of this process (server/actions/throttle.py).
    throttles: Throttles = field(default_factory=Throttles)
    # With several processes (Redis), the message bucket every process shares; None = this process's own.
    shared_buckets: SharedBuckets | None = None
    # Prometheus instruments of this process (server/metrics.py), exposed at /metrics when enabled.
    metrics: Metrics = field(default_factory=Metrics)

    def spawn(self, coro: Awaitable[None], *, name: str) -> None:
        """Run a fire-and-forget task (after commit) and keep a reference until it ends."""
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        task.set_name(name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
