"""Who is on duty: toggled on (duty.set), or inside a scheduled shift right now.

Shifts are [starts_at, ends_at) in UTC, either once or repeating every 7 days from starts_at until
`until`. The same interval arithmetic serves "on duty now", the next shift start and the coverage report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models.helpdesk import Shift

WEEK = dt.timedelta(days=7)


def occurrences(shift: Shift, start: dt.datetime, end: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The shift's intervals that overlap [start, end), clipped to nothing (whole intervals are yielded)."""
    length = shift.ends_at - shift.starts_at
    if not shift.weekly:
        if shift.starts_at < end and shift.ends_at > start:
            yield shift.starts_at, shift.ends_at
        return
    # First occurrence that could overlap: the one that starts at most `length` before `start`.
    k = max(0, (start - length - shift.starts_at) // WEEK)
    while True:
        a = shift.starts_at + k * WEEK
        if a >= end or (shift.until is not None and a >= shift.until):
            return
        b = a + length
        if b > start:
            yield a, b
        k += 1


def covers(shift: Shift, when: dt.datetime) -> bool:
    return any(True for _ in occurrences(shift, when, when + dt.timedelta(microseconds=1)))


# Above this many accounts the shifts are filtered by account in Python, not by an `IN` list in SQL: a
# thousand bound ids cost more to build and bind than reading the shifts of the window (there are few).
SQL_ID_LIST_MAX = 50


class DutyFlag(Protocol):
    """What on_duty_ids reads of an account (an Account, or a row of its id and on_duty)."""

    @property
    def id(self) -> int: ...

    @property
    def on_duty(self) -> bool: ...


async def shifts_overlapping(session: AsyncSession, start: dt.datetime, end: dt.datetime,
                             account_ids: Iterable[int] | None = None) -> list[Shift]:
    """Shifts with an occurrence in [start, end) (weekly ones filtered in Python: there are few)."""
    q = select(Shift).where(
        Shift.starts_at < end,
        or_(Shift.weekly.is_(True), Shift.ends_at > start),
        or_(Shift.until.is_(None), Shift.until > start - WEEK),
    )
    wanted: set[int] | None = None
    if account_ids is not None:
        wanted = set(account_ids)
        if not wanted:
            return []
        if len(wanted) <= SQL_ID_LIST_MAX:
            q = q.where(Shift.account_id.in_(wanted))
    rows = list((await session.execute(q.order_by(Shift.starts_at, Shift.id))).scalars())
    return [s for s in rows
            if (wanted is None or s.account_id in wanted) and any(True for _ in occurrences(s, start, end))]


async def on_shift_ids(session: AsyncSession, account_ids: Iterable[int], now: dt.datetime) -> set[int]:
    shifts = await shifts_overlapping(session, now, now + dt.timedelta(microseconds=1), account_ids)
    return {s.account_id for s in shifts}


async def on_duty_ids(session: AsyncSession, accounts: Sequence[DutyFlag], now: dt.datetime) -> set[int]:
    """On duty = the explicit toggle is on, or a scheduled shift covers `now`."""
    toggled = {a.id for a in accounts if a.on_duty}
    rest = [a.id for a in accounts if not a.on_duty]
    return toggled | (await on_shift_ids(session, rest, now) if rest else set())


async def next_shift_start(session: AsyncSession, account_ids: Iterable[int], now: dt.datetime,
                           horizon: dt.timedelta = dt.timedelta(days=14)) -> dt.datetime | None:
    """When the next shift of any of these accounts starts (within the horizon), or None."""
    best: dt.datetime | None = None
    for s in await shifts_overlapping(session, now, now + horizon, account_ids):
        for a, _ in occurrences(s, now, now + horizon):
            if a > now and (best is None or a < best):
                best = a
                break
    return best
