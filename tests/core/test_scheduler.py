"""The scheduler: due calls run when the FakeClock moves (and only then), loops survive a failing pass,
one-off calls run once, and with the real clock a runner task calls jobs by itself."""

from __future__ import annotations

import asyncio

import pytest

from server.clock import FakeClock, SystemClock
from server.scheduler import Scheduler


async def test_looping_call_runs_when_time_moves_past_its_due_time() -> None:
    sched = Scheduler(FakeClock())
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)

    sched.looping_call(job, 15, name="job")
    assert await sched.advance(14) == 0 and runs == []
    assert await sched.advance(1) == 1 and len(runs) == 1
    assert await sched.advance(15) == 1 and len(runs) == 2
    # A long pause runs the job once, not once per missed interval.
    assert await sched.advance(hours=1) == 1 and len(runs) == 3


async def test_a_failing_pass_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    sched = Scheduler(FakeClock())
    calls: list[int] = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")

    sched.looping_call(flaky, 10, name="flaky")
    await sched.advance(10)
    await sched.advance(10)
    assert len(calls) == 2
    assert any("scheduled job failed" in r.message for r in caplog.records)


async def test_call_later_runs_once_and_cancel_stops_a_call() -> None:
    sched = Scheduler(FakeClock())
    seen: list[str] = []

    async def once() -> None:
        seen.append("once")

    async def never() -> None:
        seen.append("never")

    sched.call_later(5, once, name="once")
    sched.call_later(5, never, name="never").cancel()
    await sched.advance(5)
    await sched.advance(60)
    assert seen == ["once"]


async def test_first_after_sets_the_first_run() -> None:
    sched = Scheduler(FakeClock())
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)

    sched.looping_call(job, 3600, name="purge", first_after=0)
    assert await sched.advance(0) == 1 and runs == [1]


async def test_with_the_system_clock_a_runner_calls_jobs_by_itself() -> None:
    sched = Scheduler(SystemClock())
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    sched.start()
    sched.looping_call(job, 0.05, name="tick")
    await asyncio.wait_for(ran.wait(), 5)
    await sched.stop()
    assert sched.next_due() is None


async def test_only_a_fake_clock_can_be_advanced() -> None:
    with pytest.raises(TypeError):
        await Scheduler(SystemClock()).advance(1)
