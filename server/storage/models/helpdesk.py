"""Tables owned by the helpdesk feature area: shifts, duty spells, canned responses, one-time setup flags.

(The helpdesk's extra columns on `cases` live on the Case model in core.py, migration 0002.)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base
from server.storage.models.core import Case


class Shift(Base):
    """A scheduled stretch of duty: [starts_at, ends_at), optionally repeating every 7 days.

    Times are UTC instants (no local time zone): a weekly shift repeats at the same UTC time, which is
    unambiguous and easy to check; sites with daylight saving time adjust their rota twice a year.
    """

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_account_starts", "account_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # Repeats every 7 days from starts_at (a weekly rota), until `until` (exclusive) or for ever.
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    until: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]


class DutySpell(Base):
    """One stretch with the duty.set toggle on: [started_at, ended_at), ended_at NULL while still on.

    Recorded from migration 0011 on (issue 15's cycle report compares these hours with the scheduled
    shifts); the toggle itself stays on accounts.on_duty, which is what "on duty now" reads.
    """

    __tablename__ = "duty_spells"
    __table_args__ = (Index("ix_duty_spells_account_started", "account_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What staff type after ';' in the composer: lower-case a-z0-9_- (unique).
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    # May hold placeholders: {requester_name}, {helper_name}, {topic}, {case_id}.
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class HelpdeskFlag(Base):
    """One-time setup steps done (e.g. 'canned_seeded'), so a deleted default is not re-seeded."""

    __tablename__ = "helpdesk_flags"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    set_at: Mapped[dt.datetime]


# The queue and the helpdesk jobs look cases up by queue and status (migration 0002).
Index("ix_cases_queue_status", Case.queue, Case.status)
