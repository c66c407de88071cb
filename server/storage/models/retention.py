"""Tables owned by the retention feature area: the master-key check, per-case data keys, encrypted
attachments, the purge lease and the audit of purges and erasures.

None of these tables ever holds plaintext of sensitive content or a usable key: data keys are stored
wrapped by the master key (which lives outside the database), attachments are AES-GCM ciphertext.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server.storage.models.base import Base
from server.storage.models.core import Case


class RetentionMaster(Base):
    """One row: proof that the configured master key is the one this database's data was sealed with."""

    __tablename__ = "retention_master"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A short public fingerprint of the master key (sha256-derived), shown in logs and errors.
    key_id: Mapped[str] = mapped_column(String(32))
    # AES-GCM of a fixed text under the master key: opens only with the right key.
    key_check: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]


class CaseKey(Base):
    """The data key of one case room, wrapped by the master key. NULL wrapped_key = destroyed (shredded)."""

    __tablename__ = "retention_case_keys"

    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    # Bumped when a destroyed key is replaced (a purged case reopened): old ciphertext names the old version.
    version: Mapped[int] = mapped_column(Integer, default=1)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    destroyed_at: Mapped[dt.datetime | None]


class Attachment(Base):
    """An uploaded file, encrypted with its case's data key. Name and bytes are both sealed."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    purged_at: Mapped[dt.datetime | None]


class RetentionAudit(Base):
    """One purge or erasure: what class, how many items, which case, when, by whom. Never content."""

    __tablename__ = "retention_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))  # purge | erase
    # sensitive_messages | uploads | guest_transcripts | data_key | requester_messages | account
    data_class: Mapped[str] = mapped_column(String(32))
    # Plain ids, no foreign keys: the audit outlives the rows it talks about.
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    items: Mapped[int] = mapped_column(Integer)
    # NULL actor = the scheduled job; actor_label says job, cli or the admin's username.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(80))
    # Whose data it was (erasure); cleared with detail after retention.periods.audit_detail.
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # Non-content facts (as_of, dry run, key version ...); cleared after audit_detail.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail_purged_at: Mapped[dt.datetime | None]


class RetentionLease(Base):
    """Only one process runs the purge at a time: a row taken by conditional UPDATE, with an expiry."""

    __tablename__ = "retention_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime | None]


# The job looks for closed cases by closed_at; the core table has no index on it.
Index("ix_cases_closed_at", Case.closed_at)
