"""What is purged, when, and what is kept.

Rules (docs/retention.md has the why):
- A case is due for a data class once it is closed (status resolved/abandoned, closed_at set) and
  closed_at + retention.periods.<class> <= as_of. An open case (including a reopened one) is never purged:
  each case is purged in its own transaction that first re-checks, by conditional UPDATE, that it is still
  closed and due; a case reopened meanwhile is skipped.
- sensitive_messages: body_sealed NULL, body NULL, purged true. uploads: attachment name and bytes NULL.
  guest_transcripts (requester is a guest): every message body of the case room and the case summary.
- The case's data key is destroyed (crypto-shredding) as soon as no sealed content of the case remains.
- Kept: every message row with its seq, kind, sender, times and meta (so seq stays gapless and
  statistics stay true), the case row, attachment size and content type. Never content.
- Every purge writes retention_audit rows (class, item count, case, when, by whom) and nothing else.
Idempotent: a second run finds nothing due; a crash loses at most the case in flight (rolled back).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from retention.keys import Keyring
from server import lifecycle
from server.clock import iso
from server.config_sections.retention import RetentionPeriods
from server.storage.models import Account, Case, Message
from server.storage.models.retention import Attachment, CaseKey, RetentionAudit

log = logging.getLogger("livehelp.retention.purge")

CLOSED = tuple(sorted(lifecycle.CLOSED))
# Other areas register per-case purgers (e.g. free-text escalation notes) in Deps.case_purgers: called
# inside the case's purge transaction when its whole transcript goes (guest transcripts, erasure); they
# return how many items they cleared (or would clear, on dry runs).
CasePurger = Callable[[AsyncSession, int, bool], Awaitable[int]]


@dataclass(frozen=True)
class Actor:
    """Who purges: the scheduled job, the shell, or an admin (recorded in the audit)."""

    id: int | None
    label: str


JOB = Actor(None, "job")
CLI = Actor(None, "cli")


@dataclass(frozen=True)
class Cutoffs:
    """A case closed at or before each instant is due for that class."""

    sensitive_messages: dt.datetime
    uploads: dt.datetime
    guest_transcripts: dt.datetime
    audit_detail: dt.datetime

    @property
    def any_class_due(self) -> dt.datetime:
        """A case closed at or before this is due for at least one case class (the latest cutoff)."""
        return max(self.sensitive_messages, self.uploads, self.guest_transcripts)


def cutoffs(periods: RetentionPeriods, as_of: dt.datetime) -> Cutoffs:
    def before(seconds: float) -> dt.datetime:
        return as_of - dt.timedelta(seconds=seconds)

    return Cutoffs(before(periods.sensitive_messages), before(periods.uploads), before(periods.guest_transcripts),
                   before(periods.audit_detail))


@dataclass
class CaseReport:
    """One JSON line of `livehelp retention run` (counts only, never content)."""

    case_id: int
    room_id: int
    closed_at: dt.datetime | None
    sensitive_messages: int = 0
    uploads: int = 0
    guest_transcripts: int = 0
    other: int = 0
    key_destroyed: bool = False
    skipped: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.sensitive_messages or self.uploads or self.guest_transcripts or self.other
                    or self.key_destroyed)

    def line(self, dry_run: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"case_id": self.case_id, "room_id": self.room_id, "closed_at": iso(self.closed_at),
                               "sensitive_messages": self.sensitive_messages, "uploads": self.uploads,
                               "guest_transcripts": self.guest_transcripts, "key_destroyed": self.key_destroyed,
                               "dry_run": dry_run}
        if self.other:
            out["other"] = self.other
        if self.skipped:
            out["skipped"] = self.skipped
        return out


# --- finding what is due --------------------------------------------------------------------------


def _has_sealed_messages() -> Any:
    return exists().where(Message.room_id == Case.room_id, Message.sensitive.is_(True), Message.purged.is_(False))


def _has_live_uploads() -> Any:
    return exists().where(Attachment.case_id == Case.id, Attachment.purged_at.is_(None))


def _has_live_messages() -> Any:
    return exists().where(Message.room_id == Case.room_id, Message.purged.is_(False))


def _requester_is_guest() -> Any:
    return exists().where(Account.id == Case.requester_id, Account.is_guest.is_(True))


def _has_live_key() -> Any:
    return exists().where(CaseKey.room_id == Case.room_id, CaseKey.wrapped_key.is_not(None))


async def due_cases(s: AsyncSession, cut: Cutoffs, after_id: int, limit: int) -> list[int]:
    """Ids of closed cases with something due, in id order after `after_id` (keyset paging)."""
    q = (
        select(Case.id)
        .where(Case.id > after_id, Case.status.in_(CLOSED), Case.closed_at.is_not(None),
               Case.closed_at <= cut.any_class_due)
        .where(or_(
            and_(Case.closed_at <= cut.sensitive_messages, _has_sealed_messages()),
            and_(Case.closed_at <= cut.uploads, _has_live_uploads()),
            and_(Case.closed_at <= cut.guest_transcripts, _requester_is_guest(), _has_live_messages()),
            and_(Case.closed_at <= cut.sensitive_messages, Case.closed_at <= cut.uploads, _has_live_key()),
        ))
        .order_by(Case.id)
        .limit(limit)
    )
    return [r[0] for r in (await s.execute(q)).all()]


# --- purging one case -----------------------------------------------------------------------------


async def _claim_closed(s: AsyncSession, case_id: int, latest_closed_at: dt.datetime | None) -> bool:
    """Conditional UPDATE: still closed (and due)? Locks the case row until commit, so a reopen waits."""
    conds = [Case.id == case_id, Case.status.in_(CLOSED), Case.closed_at.is_not(None)]
    if latest_closed_at is not None:
        conds.append(Case.closed_at <= latest_closed_at)
    result = await s.execute(update(Case).where(*conds).values(status=Case.status)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _count(s: AsyncSession, q: Any) -> int:
    return int((await s.execute(q)).scalar_one())


async def _purge_messages(s: AsyncSession, room_id: int | None, dry_run: bool, *, only_sensitive: bool,
                          sender_id: int | None = None) -> int:
    """Bodies of a room's messages (or, with sender_id, of one sender's anywhere): NULL, purged true."""
    conds: list[Any] = [Message.purged.is_(False)]
    if room_id is not None:
        conds.append(Message.room_id == room_id)
    if sender_id is not None:
        conds.append(Message.sender_id == sender_id)
    if only_sensitive:
        conds.append(Message.sensitive.is_(True))
    if dry_run:
        return await _count(s, select(func.count()).select_from(Message).where(*conds))
    result = await s.execute(update(Message).where(*conds).values(body=None, body_sealed=None, purged=True)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _purge_uploads(s: AsyncSession, case_id: int, now: dt.datetime, dry_run: bool) -> int:
    conds = [Attachment.case_id == case_id, Attachment.purged_at.is_(None)]
    if dry_run:
        return await _count(s, select(func.count()).select_from(Attachment).where(*conds))
    result = await s.execute(update(Attachment).where(*conds)
                             .values(name_sealed=None, content_sealed=None, purged_at=now)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _sealed_left(s: AsyncSession, case_id: int, room_id: int) -> bool:
    msgs = await _count(s, select(func.count()).select_from(Message).where(
        Message.room_id == room_id, Message.body_sealed.is_not(None)))
    files = await _count(s, select(func.count()).select_from(Attachment).where(
        Attachment.case_id == case_id, Attachment.content_sealed.is_not(None)))
    return bool(msgs or files)


async def _live_key(s: AsyncSession, room_id: int) -> bool:
    return await _count(s, select(func.count()).select_from(CaseKey).where(
        CaseKey.room_id == room_id, CaseKey.wrapped_key.is_not(None))) > 0


def audit_row(now: dt.datetime, action: str, data_class: str, case_id: int | None, items: int, actor: Actor,
              subject_id: int | None = None, detail: dict[str, Any] | None = None) -> RetentionAudit:
    return RetentionAudit(at=now, action=action, data_class=data_class, case_id=case_id, items=items,
                          actor_id=actor.id, actor_label=actor.label[:80], subject_id=subject_id, detail=detail,
                          detail_purged_at=None)


async def _run_purgers(s: AsyncSession, purgers: list[CasePurger], case_id: int, dry_run: bool) -> int:
    return sum([await p(s, case_id, dry_run) for p in purgers])


async def purge_case(s: AsyncSession, keyring: Keyring, case_id: int, cut: Cutoffs, now: dt.datetime, *,
                     dry_run: bool, actor: Actor, purgers: list[CasePurger] | None = None,
                     as_of: dt.datetime | None = None) -> CaseReport | None:
    """Purge what is due in one case, inside the caller's transaction. None when it is not due (any more)."""
    if not dry_run and not await _claim_closed(s, case_id, cut.any_class_due):
        return None
    row = (await s.execute(select(Case, Account.is_guest).join(Account, Account.id == Case.requester_id)
                           .where(Case.id == case_id))).first()
    if row is None:
        return None
    case, is_guest = row
    if case.status not in CLOSED or case.closed_at is None or case.closed_at > cut.any_class_due:
        return None
    report = CaseReport(case.id, case.room_id, case.closed_at)
    due_sensitive = case.closed_at <= cut.sensitive_messages
    due_uploads = case.closed_at <= cut.uploads
    due_transcript = bool(is_guest) and case.closed_at <= cut.guest_transcripts
    if due_sensitive or due_transcript:
        report.sensitive_messages = await _purge_messages(s, case.room_id, dry_run, only_sensitive=True)
    if due_uploads or due_transcript:
        report.uploads = await _purge_uploads(s, case.id, now, dry_run)
    if due_transcript:
        # In a dry run the sensitive ones were only counted, so count the rest without them.
        everything = await _purge_messages(s, case.room_id, dry_run, only_sensitive=False)
        report.guest_transcripts = everything - report.sensitive_messages if dry_run else everything
        if case.summary is not None:
            report.guest_transcripts += 1
            if not dry_run:
                await s.execute(update(Case).where(Case.id == case.id).values(summary=None)
                                .execution_options(synchronize_session=False))
        report.other = await _run_purgers(s, purgers or [], case.id, dry_run)
    if dry_run:
        remaining = (not (due_sensitive or due_transcript) and await _count(s, select(func.count()).select_from(
            Message).where(Message.room_id == case.room_id, Message.body_sealed.is_not(None)))) or (
            not (due_uploads or due_transcript) and await _count(s, select(func.count()).select_from(
                Attachment).where(Attachment.case_id == case.id, Attachment.content_sealed.is_not(None))))
        report.key_destroyed = not remaining and await _live_key(s, case.room_id)
    elif not await _sealed_left(s, case.id, case.room_id):
        report.key_destroyed = await keyring.destroy(s, case.room_id)
    if not dry_run:
        detail = {"as_of": iso(as_of or now), "closed_at": iso(case.closed_at)}
        for data_class, items in (("sensitive_messages", report.sensitive_messages), ("uploads", report.uploads),
                                  ("guest_transcripts", report.guest_transcripts), ("other_areas", report.other)):
            if items:
                s.add(audit_row(now, "purge", data_class, case.id, items, actor, detail=detail))
        if report.key_destroyed:
            s.add(audit_row(now, "purge", "data_key", case.id, 1, actor, detail=detail))
    return report


async def purge_audit_detail(s: AsyncSession, cut: Cutoffs, now: dt.datetime, dry_run: bool) -> int:
    """Audit records keep class, count, case, time and actor; their detail and subject go after the period."""
    conds = [RetentionAudit.at <= cut.audit_detail, RetentionAudit.detail_purged_at.is_(None)]
    if dry_run:
        return await _count(s, select(func.count()).select_from(RetentionAudit).where(*conds))
    result = await s.execute(update(RetentionAudit).where(*conds)
                             .values(detail=None, subject_id=None, detail_purged_at=now)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- erasure --------------------------------------------------------------------------------------


async def erase_case(s: AsyncSession, keyring: Keyring, case: Case, now: dt.datetime, actor: Actor,
                     purgers: list[CasePurger] | None = None) -> CaseReport:
    """Everything of one (closed) case's content, now: the whole transcript, uploads, summary, the key."""
    report = CaseReport(case.id, case.room_id, case.closed_at)
    report.sensitive_messages = await _purge_messages(s, case.room_id, False, only_sensitive=True)
    report.guest_transcripts = await _purge_messages(s, case.room_id, False, only_sensitive=False)
    report.uploads = await _purge_uploads(s, case.id, now, False)
    if case.summary is not None:
        await s.execute(update(Case).where(Case.id == case.id).values(summary=None)
                        .execution_options(synchronize_session=False))
        report.guest_transcripts += 1
    report.other = await _run_purgers(s, purgers or [], case.id, False)
    report.key_destroyed = await keyring.destroy(s, case.room_id)
    for data_class, items in (("sensitive_messages", report.sensitive_messages), ("uploads", report.uploads),
                              ("transcript", report.guest_transcripts), ("other_areas", report.other)):
        if items:
            s.add(audit_row(now, "erase", data_class, case.id, items, actor, subject_id=case.requester_id))
    if report.key_destroyed:
        s.add(audit_row(now, "erase", "data_key", case.id, 1, actor, subject_id=case.requester_id))
    return report


async def erase_sent_elsewhere(s: AsyncSession, account_id: int) -> int:
    """Messages the requester sent outside their own case rooms (e.g. direct rooms)."""
    return await _purge_messages(s, None, False, only_sensitive=False, sender_id=account_id)
