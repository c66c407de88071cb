"""Core tables: accounts, tokens, rooms, members, messages, cases, presence.

Timestamps always come from the injected clock, never from column defaults.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # NULL for guests (requesters with no account).
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False)
    # Explicit duty toggle; shifts (helpdesk) also make someone on duty.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class AccountRole(Base):
    __tablename__ = "account_roles"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class AccountTeam(Base):
    __tablename__ = "account_teams"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # sha256 of the bearer token: a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # case | team | direct
    # IRC-style '#name' for team rooms; NULL for case and direct rooms.
    name: Mapped[str | None] = mapped_column(String(80), unique=True)
    topic: Mapped[str | None] = mapped_column(Text)
    # The last seq handed out; bumped in the same transaction that inserts messages (no gaps).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]


class RoomMember(Base):
    __tablename__ = "room_members"

    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # member (team room), requester, staff (assigned/working the case), shadow (read-only observer)
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[dt.datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("room_id", "seq"),
        UniqueConstraint("sender_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    # NULL for system messages written by the server.
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # chat | whisper | note | system
    # Plain text for ordinary messages; NULL when sensitive (then body_sealed holds it) or purged.
    body: Mapped[str | None] = mapped_column(Text)
    # Sensitive content encrypted with the case's data key (retention/); NULL once purged.
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    purged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Extra structured data (e.g. an escalation card, /me action); never sensitive content.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Indexed: the cycle report reads a period's case events by time (migration 0012).
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), unique=True)
    # queued | active | on_hold | escalated | resolved | abandoned
    status: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    requester_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    priority: Mapped[str | None] = mapped_column(String(32))
    route: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    first_response_at: Mapped[dt.datetime | None]
    on_hold_since: Mapped[dt.datetime | None]
    # Last chat in the room from anyone; drives on-hold auto-close.
    last_activity_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    # Raised SLA alerts, so each threshold alerts once ('warning', 'goal').
    sla_alerts: Mapped[list[str] | None] = mapped_column(JSON)
    # helpdesk (migration 0002): place in its queue on arrival (expected-wait samples), whether it
    # arrived while nobody serving its queue was on duty (kept out of the samples), when the
    # requester's last socket left (abandon grace), when the auto-close notice was posted.
    queue_position: Mapped[int | None] = mapped_column(Integer)
    off_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    requester_left_at: Mapped[dt.datetime | None]
    autoclose_warned_at: Mapped[dt.datetime | None]
    # escalation (migration 0004): expert teams asked in, [{"team", "status": requested|responded, ...}];
    # a copy of case_experts kept on the row so every case view shows it without another query.
    experts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # roles (migration 0011): when the supervising monitor's last socket left; the case is handed over
    # or re-queued only once roles.monitor_grace has passed since (cleared when they reconnect).
    monitor_away_since: Mapped[dt.datetime | None]
    # helpdesk (migration 0009): when the case last entered the queue (request or re-queue) and the
    # re-route step reached since then (actions/reroute.py), so a restart neither loses nor repeats one.
    queued_at: Mapped[dt.datetime | None]
    reroute_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Presence(Base):
    """One row per connected socket, so 'who is connected' survives across processes."""

    __tablename__ = "presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[str] = mapped_column(String(64), index=True)
    connected_at: Mapped[dt.datetime]
