"""One scheduler for every background job, on the injected clock (Synapse's Clock.looping_call/call_later).

Why one: the periodic jobs (SLA, auto-close, abandon, supervision, escalation targets, retention) used
to be four hand-copied `while True: sleep` loops that tests had to switch off. Here every job is
registered once; due times are read from the injected clock, so:

- with the SystemClock a runner task sleeps until the next due call (woken early when one is added);
- with a FakeClock nothing runs by itself: a test moves time with `await scheduler.advance(seconds)`,
  which runs every call that became due, in due order, before it returns (deterministic, like
  Synapse's test reactor `advance`).

A job never overlaps itself (a looping call's next run is scheduled only after the current one ends)
and a failing job is logged without stopping its loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from server.clock import Clock, FakeClock

log = logging.getLogger("livehelp.scheduler")

Job = Callable[[], Awaitable[object]]


@dataclass(order=True)
class _Entry:
    due: dt.datetime
    order: int
    call: Call = field(compare=False)


@dataclass(eq=False)
class Call:
    """A scheduled call: one-off (`interval` None) or looping. `cancel()` stops it."""

    name: str
    job: Job
    interval: float | None
    cancelled: bool = False
    runs: int = 0

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one pass at a time: the runner and a test's advance never overlap

    # --- registering -------------------------------------------------------------------------

    def looping_call(self, job: Job, interval: float, *, name: str, first_after: float | None = None) -> Call:
        """Run `job` every `interval` seconds, the first time after `first_after` (default: interval)."""
        if interval <= 0:
            raise ValueError(f"{name}: a looping call needs a positive interval")
        call = Call(name, job, interval)
        self._push(call, interval if first_after is None else first_after)
        return call

    def call_later(self, delay: float, job: Job, *, name: str) -> Call:
        """Run `job` once, `delay` seconds from now."""
        call = Call(name, job, None)
        self._push(call, max(0.0, delay))
        return call

    def _push(self, call: Call, delay: float) -> None:
        due = self.clock.now() + dt.timedelta(seconds=delay)
        heapq.heappush(self._heap, _Entry(due, next(self._order), call))
        self._wake.set()

    # --- running -----------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Run every call due at the clock's now, in due order; returns how many ran."""
        ran = 0
        async with self._lock:
            now = self.clock.now()
            while self._heap and self._heap[0].due <= now:
                entry = heapq.heappop(self._heap)
                call = entry.call
                if call.cancelled:
                    continue
                await self._run(call)
                ran += 1
                if call.interval is not None and not call.cancelled:
                    # From now, not from the missed due time: a long pause does not replay every tick.
                    self._push(call, call.interval)
        return ran

    async def _run(self, call: Call) -> None:
        call.runs += 1
        try:
            await call.job()
        except asyncio.CancelledError:
            raise
        except Exception:  # one failed pass must not end the loop (database restart ...)
            log.exception("scheduled job failed", extra={"job": call.name})

    async def advance(self, seconds: float = 0, **kw: float) -> int:
        """Tests: move the FakeClock and run what became due. Returns how many calls ran."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("only a FakeClock can be advanced")
        self.clock.advance(seconds, **kw)
        return await self.run_due()

    def next_due(self) -> dt.datetime | None:
        live = [e.due for e in self._heap if not e.call.cancelled]
        return min(live) if live else None

    # --- life cycle (cleanup_ctx) ------------------------------------------------------------

    def start(self) -> None:
        """With a real clock, a runner task sleeps until the next due call. A FakeClock has none."""
        if self._runner is None and not isinstance(self.clock, FakeClock):
            self._runner = asyncio.create_task(self._run_forever(), name="scheduler")

    async def _run_forever(self) -> None:
        while True:
            self._wake.clear()
            await self.run_due()
            nxt = self.next_due()
            delay = None if nxt is None else max(0.0, (nxt - self.clock.now()).total_seconds())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def stop(self) -> None:
        for entry in self._heap:
            entry.call.cancel()
        self._heap.clear()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
