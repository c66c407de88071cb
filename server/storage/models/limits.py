"""Abuse-limit counters (server/actions/throttle.py): kept in the database so every process of a
deployment counts the same failed logins, guest creations and help requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base


class RateCounter(Base):
    """One fixed window per key (e.g. ``login:ip:10.0.0.7``): hits since ``window_start``."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer)
