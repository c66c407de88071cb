"""Tables owned by the roles feature area: who worked which case in which capacity, vouches for
trainees, a monitor's take-over (so the case can be handed back), and the audit log of role changes.

Case references use ON DELETE SET NULL, so a trainee's record, their vouches and the audit log survive
whatever retention does to old cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base


class CaseParticipant(Base):
    """One row per (case, account, capacity) ever held: shadow, trainee, helper, monitor.

    Room membership changes (a shadow leaves, a trainee is set back to shadow); this log does not, so it
    is what a trainee's record and the vouching rule read.
    """

    __tablename__ = "case_participants"
    __table_args__ = (
        UniqueConstraint("case_id", "account_id", "role"),
        Index("ix_case_participants_account_role", "account_id", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # shadow | trainee | helper | monitor
    role: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[dt.datetime]


class Vouch(Base):
    """A helper or monitor vouching for a trainee after a supervised case; once per case per voucher."""

    __tablename__ = "vouches"
    __table_args__ = (
        UniqueConstraint("case_id", "voucher_id", "trainee_id"),
        Index("ix_vouches_trainee", "trainee_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class CaseTakeover(Base):
    """A monitor took a case from a trainee; case.handback gives it back to that trainee."""

    __tablename__ = "case_takeovers"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    taken_at: Mapped[dt.datetime]


class RoleAudit(Base):
    """Every role change: who did it (account or the shell), when, to whom, what changed and why.

    Names are copied in (actor_label, account_username) so an entry still reads right after the
    accounts involved are gone.
    """

    __tablename__ = "role_audit"
    __table_args__ = (Index("ix_role_audit_account", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # The actor's username, "cli:<os user>" from the shell, or the account itself for a sign-up.
    actor_label: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    account_username: Mapped[str | None] = mapped_column(String(64))
    # signup | create | promote | grant | revoke | teams
    action: Mapped[str] = mapped_column(String(16))
    roles_before: Mapped[list[str]] = mapped_column(JSON)
    roles_after: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    # api | cli | signup
    via: Mapped[str] = mapped_column(String(16))
    # Extra facts: forced promotion, the vouch counts at the time, team changes.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
