"""Tables owned by the escalation feature area.

escalations: one row per hand-off to a route's team, kept after the case closes as its history (who,
when, note, priority, target, met or missed) for reports. case_experts: expert teams asked into a case.
case_flags: personal escalations (automatic or by hand); they hold no requester text, only the message id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base

# escalations.status
PENDING = "pending_confirmation"  # waiting for the requester to accept the hand-off (confirm_first routes)
OPEN = "open"                     # the case is escalated and the team owns it
RESOLVED = "resolved"             # the case was resolved while escalated
DECLINED = "declined"             # the requester declined the hand-off
CANCELLED = "cancelled"           # the case closed or moved on before the requester answered


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_status_target", "status", "target_at"),
        Index("ix_escalations_escalated_at", "escalated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(64))
    # The internal note (the problem, the steps already suggested): staff only.
    note: Mapped[str] = mapped_column(Text)
    # The checklist item texts the escalating staff confirmed.
    checklist: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(24))
    escalated_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    # When the case actually moved to `escalated` (after the requester's confirmation if asked).
    escalated_at: Mapped[dt.datetime | None]
    # Response target; NULL = no target for this priority.
    target_at: Mapped[dt.datetime | None]
    # First response by the team: a message in the case room, or the resolution.
    responded_at: Mapped[dt.datetime | None]
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    responded_message_id: Mapped[int | None] = mapped_column(Integer)
    # True: responded by the target; False: missed; NULL: no target, or not decided yet.
    target_met: Mapped[bool | None] = mapped_column(Boolean)
    breach_alerted_at: Mapped[dt.datetime | None]
    # Resolution target (migration 0010): resolve by then; NULL = none for this priority. resolution_met
    # is True/False once decided (resolved in time / the target passed), like target_met.
    resolution_target_at: Mapped[dt.datetime | None]
    resolution_met: Mapped[bool | None] = mapped_column(Boolean)
    resolution_alerted_at: Mapped[dt.datetime | None]
    paged_at: Mapped[dt.datetime | None]
    # When the requester answered the hand-off question (confirm_first routes).
    answered_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))


class CaseExpert(Base):
    __tablename__ = "case_experts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # requested | responded
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(index=True)
    responded_at: Mapped[dt.datetime | None]
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    responded_message_id: Mapped[int | None] = mapped_column(Integer)
    # Set when the case is resolved: the involvement is then on record as answered or not.
    case_closed_at: Mapped[dt.datetime | None]


class CaseFlag(Base):
    __tablename__ = "case_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # personal_escalation
    source: Mapped[str] = mapped_column(String(16))  # auto | manual
    # The requester message that matched (auto); its text is never copied here.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    matched: Mapped[str | None] = mapped_column(String(64))
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
