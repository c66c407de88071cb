"""Tables of the alerts area: stored alerts (one row per recipient), escalation chains, the outbound
outbox and each person's off-line delivery preferences.

An alert row is what makes an alert survive: a recipient who was not connected gets it on connect, and
acknowledging it is recorded (who, when). A chain row carries its state in the database (the next step
and when it is due), so a restart neither loses nor repeats a step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base, UTCDateTime


class AlertChain(Base):
    """One escalation chain run: step 0 fired when the alert was raised; `next_at` is when step `step`
    (1-based index into config's chain) fires unless someone acknowledged first."""

    __tablename__ = "alert_chains"
    __table_args__ = (Index("ix_alert_chains_next_at", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=True)
    # The alert body as raised (what later steps send again).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Steps already fired after the first (0 = only the first); the next one to fire is chain[step].
    step: Mapped[int] = mapped_column(Integer, default=0)
    # None = nothing more to fire (acknowledged, or the chain has no more steps).
    next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"),
                                                        nullable=True)


class Alert(Base):
    """One alert for one recipient."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_account_ack", "account_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("alert_chains.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When it reached a connected socket of the recipient (at once, or on their next connect).
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"),
                                                        nullable=True)


class Outbox(Base):
    """One outbound delivery (e-mail, webhook, chat). Its id is the de-duplication key receivers see;
    rows stay as the delivery log (sent or failed, attempts, last error)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(64))
    # pending | sent | failed (gave up after outbound.max_attempts)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True)
    # E-mail address for e-mail; empty for channels with a fixed target (webhook URL, room).
    address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AlertPreference(Base):
    """Which alert kinds reach a person off-line, and where (an e-mail address today)."""

    __tablename__ = "alert_preferences"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), default="")
    kinds: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CaseContact(Base):
    """How to reach a requester who left: an e-mail address given with the request (optional).

    The address is sensitive: it is sealed with the case's data key, so the retention purge's
    crypto-shredding (30 days after the case closes) makes it unreadable, and the purge clears the row.
    The resume token is stored as a hash only; it expires and opens only this case's requester session.
    """

    __tablename__ = "case_contacts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last time the requester was mailed about a reply (one mail per away spell, not per message).
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
