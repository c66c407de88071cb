"""Periodic jobs run in one process of a deployment at a time (a lease per job), and move to another
process when the holder stops: two servers on one database and one FakeClock stand for two processes."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from server.storage.leases import Lease
from server.storage.models.alerts import Alert
from tests.helpdesk.desk import ask
from tests.support import LiveServer


async def holder_of(server: LiveServer, job: str) -> str | None:
    assert server.deps is not None
    lease = Lease(server.deps.db, server.deps.clock, "probe", f"job:{job}", 1)
    holder, _ = await lease.current()
    return holder


async def tick_both(a: LiveServer, b: LiveServer, seconds: float, times: int) -> None:
    assert a.clock is not None and a.deps is not None and b.deps is not None
    for _ in range(times):
        a.clock.advance(seconds=seconds)
        await asyncio.gather(a.deps.scheduler.run_due(), b.deps.scheduler.run_due())


async def sla_warnings(server: LiveServer, case_id: int) -> list[Any]:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        rows = (await s.execute(select(Alert).where(Alert.kind == "sla_breach", Alert.case_id == case_id))).scalars()
        return [r.payload for r in rows if r.payload.get("level") == "warning"]


async def test_one_process_runs_each_job_and_another_takes_over(start_server: Any, config: Any) -> None:
    a = await start_server(config)
    b = await start_server(config)
    assert a.deps is not None and b.deps is not None and a.clock is not None
    interval = config.helpdesk.jobs_interval
    # A ticks first and takes the leases; from then on both tick side by side.
    await a.deps.scheduler.advance(seconds=interval)
    await b.deps.scheduler.run_due()
    await tick_both(a, b, interval, 2)
    first = await holder_of(a, "helpdesk-jobs")
    assert first is not None and first.startswith(a.deps.server_id)
    alerts_holder = await holder_of(a, "alerts-jobs")
    assert alerts_holder is not None and alerts_holder.startswith(a.deps.server_id)

    carol = await a.staff("carol_monitor", ["monitor"], on_duty=True)
    _, ack = await ask(a)
    case_id = ack["case"]["id"]
    # Both processes tick side by side past the warning threshold: the warning is raised once.
    await tick_both(a, b, interval, int(11 * 60 / interval) + 1)
    assert await holder_of(a, "helpdesk-jobs") == first  # the holder kept it by renewing
    assert len(await sla_warnings(a, case_id)) == 1
    await carol.settle()
    assert len(carol.received("alert", lambda x: x["kind"] == "sla_breach" and x["level"] == "warning")) == 1

    # The holder stops (a crashed process): the other one takes the job over once the lease expired.
    holder_server, other = a, b
    for _ in range(5):
        await other.deps.scheduler.advance(seconds=interval)
    taken = await holder_of(a, "helpdesk-jobs")
    assert taken is not None and taken.startswith(other.deps.server_id)
    assert not taken.startswith(holder_server.deps.server_id)
    assert len(await sla_warnings(a, case_id)) == 1  # nothing raised twice across the hand-over


async def test_a_dead_process_presence_is_cleared_by_another(start_server: Any, config: Any) -> None:
    """B stops beating (a kill -9): after server.dead_after, A clears B's presence rows and runs the
    last-disconnect steps for the people who were only on B (the requester's abandon grace starts)."""
    from server.storage.models import Case, Presence

    a = await start_server(config)
    b = await start_server(config)
    assert a.deps is not None and b.deps is not None and a.clock is not None
    _, ack = await ask(b)  # Rita's socket sits on B
    case_id = ack["case"]["id"]

    async def rows_of(server_id: str) -> int:
        assert a.deps is not None
        async with a.deps.db.read() as s:
            return len((await s.execute(select(Presence.sid).where(Presence.server_id == server_id))).all())

    assert await rows_of(b.deps.server_id) == 1
    # Both beating: nothing is cleared however long it runs.
    await tick_both(a, b, config.server.heartbeat_interval, 6)
    assert await rows_of(b.deps.server_id) == 1
    # B goes silent; A carries on past dead_after.
    for _ in range(int(config.server.dead_after / config.server.heartbeat_interval) + 3):
        await a.deps.scheduler.advance(seconds=config.server.heartbeat_interval)
    assert await rows_of(b.deps.server_id) == 0
    async with a.deps.db.read() as s:
        case = (await s.execute(select(Case).where(Case.id == case_id))).scalar_one()
    assert case.requester_left_at is not None
