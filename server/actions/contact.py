"""Reaching a requester who left: an optional e-mail address, a reply notice, a link that resumes the case.

The widget offers `case.contact {"case_id", "email"}` with the request (optional). The address is
sensitive data: it is sealed with the case's data key (retention), so it becomes unreadable when the
case's sensitive data is purged under the 30-day rule, and the purge hook clears the row. When staff
`chat` in the case while the requester is not connected, the requester gets one e-mail (through the
outbox) with a link `/?resume=TOKEN`; the token is random, stored only as a hash, expires after
alerts.resume_link_ttl, and opens only a session of this case's requester (POST /api/resume).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import lifecycle
from server.actions import outbound
from server.actions.access import access_case
from server.actions.accounts import account_view, issue_token
from server.deps import Deps
from server.errors import Forbidden, Invalid, Unauthenticated
from server.message_writer import Written
from server.notify import Effect
from server.storage.facts import connected_accounts
from server.storage.models import Account
from server.storage.models.alerts import CaseContact

log = logging.getLogger("livehelp.contact")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 320:
        raise Invalid("give an e-mail address like name@example.org (or leave it empty)", field="email")
    return email


async def set_contact(deps: Deps, actor_id: int, case_id: Any, email: str) -> dict[str, Any]:
    """case.contact: the requester leaves (or, with "", removes) an address for replies while away."""
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        case = await access_case(s, case_id)
        if case.requester_id != actor_id:
            raise Forbidden("only the requester leaves a contact address on their case")
        if case.status in lifecycle.CLOSED:
            raise Invalid("this case is closed")
        row = await s.get(CaseContact, case.id)
        sealed = await deps.sealer.seal(s, case.room_id, check_email(email)) if email.strip() else None
        if row is None:
            s.add(CaseContact(case_id=case.id, email_sealed=sealed, created_at=now))
        else:
            row.email_sealed = sealed
    return {"contact": {"case_id": case.id, "email": bool(sealed)}}


async def after_message(deps: Deps, w: Written) -> list[Effect]:
    """after_message hook: staff chat to an away requester with an address -> one mail per away spell;
    the requester's own message starts a new spell."""
    c = w.case
    if c is None or w.duplicate or w.room_kind != "case" or w.message.kind != "chat" or not c.is_open:
        return []
    now = deps.clock.now()
    if w.message.sender_id == c.requester_id:
        async with deps.db.transaction() as s:
            await s.execute(update(CaseContact).where(CaseContact.case_id == c.id, CaseContact.notified_at.is_not(None))
                            .values(notified_at=None).execution_options(synchronize_session=False))
        return []
    if not deps.config.alerts.smtp.enabled:
        return []
    async with deps.db.transaction() as s:
        row = await s.get(CaseContact, c.id)
        if row is None or row.email_sealed is None or row.notified_at is not None:
            return []
        if await connected_accounts(s, [c.requester_id]):
            return []
        email = await deps.sealer.unseal(s, w.message.room_id, row.email_sealed)
        if not email:
            return []
        token = secrets.token_urlsafe(32)
        claimed = await s.execute(update(CaseContact).where(CaseContact.case_id == c.id, CaseContact.notified_at.is_(None))
                                  .values(notified_at=now, token_hash=_hash(token),
                                          token_expires_at=now + dt.timedelta(seconds=deps.config.alerts.resume_link_ttl))
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return []
        link = f"{deps.config.alerts.public_url}/?resume={token}"
        body = ("You have a new reply to your help request.\n\n"
                f"Open the conversation: {link}\n\n"
                "The link works for a limited time and only for this conversation. "
                "If you did not ask for help, ignore this e-mail.")
        await outbound.queue_email(s, email, "requester_reply", c.id, "A reply to your help request", body, now)
    log.info("requester reply notice queued", extra={"case_id": c.id})
    return []


async def resume(deps: Deps, token: str) -> dict[str, Any]:
    """POST /api/resume: a valid, unexpired link token -> a session of the case's requester."""
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        row = (await s.execute(select(CaseContact).where(CaseContact.token_hash == _hash(token)))).scalar_one_or_none()
        if row is None or row.token_expires_at is None or row.token_expires_at <= now:
            raise Unauthenticated("this link has expired or is not valid; ask for help again")
        case = await access_case(s, row.case_id)
        account = await s.get(Account, case.requester_id)
        if account is None or account.disabled:
            raise Unauthenticated("this link is not valid any more")
        session = await issue_token(s, account.id, deps.config.auth.guest_token_ttl, now)
        row.notified_at = None  # back in the conversation: the next away spell mails again
        return {"token": session, "account": await account_view(s, account, now), "case_id": case.id,
                "room_id": case.room_id}


async def purge_contact(s: AsyncSession, case_id: int, dry_run: bool) -> int:
    """retention.case_purgers hook: the address and any link go with the case's transcript."""
    row = await s.get(CaseContact, case_id)
    if row is None or (row.email_sealed is None and row.token_hash is None):
        return 0
    if not dry_run:
        row.email_sealed, row.token_hash, row.token_expires_at = None, None, None
    return 1
