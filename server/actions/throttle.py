"""Abuse limits: fixed-window counters in the database, token buckets in memory (or Redis).

Why two kinds: failed logins, guest creations and help requests are rare and must be counted the same by
every process of a deployment (an attacker's requests spread over processes behind a load balancer), so
they live in the `rate_counters` table, one row per key, updated by one atomic upsert. Messages are
frequent (a database write per message would halve throughput), so the per-account message limit is a
token bucket in each process's memory, like the per-socket one in server/socket/server.py, or in Redis when
several processes share the deployment (server/wiring/shared_limits.py).

Every refusal is `RateLimited` with `retry_after` (whole seconds, at least 1) in the error object; the REST
error middleware also sends it as the `Retry-After` header. Time comes from the injected clock.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from server.deps import Deps
from server.errors import RateLimited
from server.storage.models.base import UTCDateTime
from server.storage.models.limits import RateCounter


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def refusal(message: str, seconds: float) -> RateLimited:
    return RateLimited(message, retry_after=_retry_after(seconds))


async def hit(deps: Deps, key: str, limit: int, window: float, message: str) -> None:
    """Count one hit on `key`; refuse it when it is past `limit` hits in the current `window` seconds.

    The refused hit still counts (a client that keeps hammering stays refused until the window ends)."""
    count, start = await _increment(deps, key, window)
    if count > limit:
        raise refusal(message, (start + dt.timedelta(seconds=window) - deps.clock.now()).total_seconds())


async def record(deps: Deps, key: str, window: float) -> None:
    """Count one hit without judging it (a failed login: the check comes before the next attempt)."""
    await _increment(deps, key, window)


async def check(deps: Deps, key: str, limit: int, window: float, message: str) -> None:
    """Refuse when `key` already has `limit` hits in its current window (counts nothing)."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        row = (await s.execute(select(RateCounter.count, RateCounter.window_start)
                               .where(RateCounter.key == key))).first()
    if row is None:
        return
    count, start = row
    ends = start + dt.timedelta(seconds=window)
    if count >= limit and ends > now:
        raise refusal(message, (ends - now).total_seconds())


async def clear(deps: Deps, key: str) -> None:
    async with deps.db.transaction() as s:
        await s.execute(delete(RateCounter).where(RateCounter.key == key))


async def _increment(deps: Deps, key: str, window: float) -> tuple[int, dt.datetime]:
    """One atomic upsert: a new key or an ended window starts at 1, else count + 1. Returns the count
    and the window's start."""
    now = deps.clock.now()
    ended = RateCounter.window_start <= bindparam("cutoff", now - dt.timedelta(seconds=window), UTCDateTime())
    dialect = postgresql if deps.db.dialect == "postgresql" else sqlite
    stmt = dialect.insert(RateCounter).values(key=key, window_start=now, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        "count": case((ended, 1), else_=RateCounter.count + 1),
        "window_start": case((ended, bindparam("now", now, UTCDateTime())), else_=RateCounter.window_start),
    }).returning(RateCounter.count, RateCounter.window_start)
    async with deps.db.transaction() as s:
        count, start = (await s.execute(stmt)).one()
        deps.throttles.writes += 1
        if deps.throttles.writes % 200 == 0:
            # Old windows are dead weight: sweep now and then (a day is longer than any window we ship).
            await s.execute(delete(RateCounter).where(RateCounter.window_start < now - dt.timedelta(days=1)))
    return int(count), start


async def limit_message(deps: Deps, account_id: int) -> None:
    """Per-account message limit over all the account's sockets: in this process's memory, or in Redis
    when several processes serve the deployment (every process then shares one bucket per account)."""
    lim = deps.config.limits
    if deps.shared_buckets is not None:
        wait = await deps.shared_buckets.take(account_id, deps.clock.now().timestamp(),
                                              lim.account_messages_per_second, lim.account_messages_burst)
    else:
        wait = deps.throttles.take(account_id, deps.clock.monotonic(), lim.account_messages_per_second,
                                   lim.account_messages_burst)
    if wait:
        raise refusal("too many messages from this account; slow down", wait)
