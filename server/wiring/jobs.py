"""Periodic jobs that must run in one process of the deployment at a time.

Each tick takes (or renews) the job's lease (server/storage/leases.py) before running it: the process
that holds it runs the job, the others skip the tick. The jobs decide what is due from database state
and mark what they did in the same transaction, so a due item fires once; if the holder dies, its
lease expires after a few intervals and another process carries on from that state. The session check
is not one of these: each process checks its own sockets.
"""

from __future__ import annotations

from server.deps import Deps
from server.scheduler import Call, Job
from server.storage.leases import Lease

# The lease outlives this many intervals, so a slow tick never lets a second process in, and a dead
# holder is replaced within about this many intervals.
LEASE_INTERVALS = 3
MIN_LEASE_SECONDS = 10.0


def looping_job(deps: Deps, job: Job, interval: float, *, name: str, first_after: float | None = None) -> Call:
    lease = Lease(deps.db, deps.clock, deps.server_id, f"job:{name}",
                  max(LEASE_INTERVALS * interval, MIN_LEASE_SECONDS))

    async def run_if_holder() -> object:
        if not await lease.acquire():
            return None
        return await job()

    return deps.scheduler.looping_call(run_if_holder, interval, name=name, first_after=first_after)
