"""The only place that reads the system time.

Everything that needs "now" receives a Clock, so 30-day rules are testable by advancing a FakeClock
instead of waiting (Synapse's single Clock).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (rate limits, durations), not tied to the wall."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0, **kw: float) -> dt.datetime:
        step = dt.timedelta(seconds=seconds, **kw)
        self._now = self._now + step
        self._mono += max(0.0, step.total_seconds())
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(UTC)


def iso(when: dt.datetime | None) -> str | None:
    """UTC ISO-8601 with a Z, as the contract says; None stays None."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_utc(when: dt.datetime | None) -> dt.datetime | None:
    """Databases hand back naive datetimes (SQLite) or aware ones (PostgreSQL); make both aware UTC."""
    if when is None:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO-8601 instant; a value without an offset is taken as UTC."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return as_utc(when)  # type: ignore[return-value]


def span(seconds: float) -> str:
    """A duration as people read it in a note or alert: whole hours, whole minutes, else seconds."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds)} s"
