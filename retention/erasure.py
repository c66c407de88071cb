"""Right to erasure: one requester's data, now, with the same guarantees as the retention purge.

What goes: every message body in the requester's case rooms (theirs and the staff's replies, which
quote and answer them), sensitive or not; every upload; case summaries; each case's data key
(crypto-shredding); bodies they sent anywhere else; their display name, username, password and tokens.
What stays: message rows with seq, kind, sender id, times and meta (seq stays gapless for every client
that synced the room), case rows with status, topic, staff and times (help desk statistics), and the
account row itself as an anonymous, disabled "Erased requester" so foreign keys hold.
Refused while the requester has an open case: erasing a live conversation would pull it from under
the staff answering it; resolve it first. Re-running is harmless (idempotent) and finishes an
erasure a crash interrupted: each case commits on its own, the account last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from retention.job import compact, keyring_of
from retention.purge import CLOSED, Actor, CaseReport, audit_row, erase_case, erase_sent_elsewhere
from roles.facts import STAFF_ROLES
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict, Invalid, NotFound
from server.storage.facts import roles_and_teams
from server.storage.models import Account, Case, Token

ERASED_NAME = "Erased requester"


@dataclass
class ErasureResult:
    account_id: int
    cases: list[CaseReport] = field(default_factory=list)
    messages_elsewhere: int = 0
    account_anonymized: bool = False

    def total(self) -> dict[str, Any]:
        return {
            "total": True,
            "requester_id": self.account_id,
            "cases": len(self.cases),
            "sensitive_messages": sum(c.sensitive_messages for c in self.cases),
            "messages": sum(c.guest_transcripts for c in self.cases) + self.messages_elsewhere,
            "uploads": sum(c.uploads for c in self.cases),
            "keys_destroyed": sum(1 for c in self.cases if c.key_destroyed),
            "account_anonymized": self.account_anonymized,
        }


def case_line(report: CaseReport) -> dict[str, Any]:
    return {"case_id": report.case_id, "room_id": report.room_id, "closed_at": iso(report.closed_at),
            "sensitive_messages": report.sensitive_messages, "messages": report.guest_transcripts,
            "uploads": report.uploads, "key_destroyed": report.key_destroyed}


async def resolve_requester(deps: Deps, who: str | int) -> int:
    """An account id, or a username, -> the account id (NotFound otherwise)."""
    async with deps.db.read() as s:
        if isinstance(who, int) or (isinstance(who, str) and who.strip().isdigit()):
            account = await s.get(Account, int(who))
        else:
            account = (await s.execute(select(Account).where(Account.username == str(who).strip().lower()))
                       ).scalar_one_or_none()
        if account is None:
            raise NotFound(f"no requester {who!r}")
        roles, _ = await roles_and_teams(s, [account.id])
        if roles[account.id] & STAFF_ROLES:
            raise Invalid(f"account {account.id} is a staff account; erasure here covers requesters' data only")
        return account.id


async def erase_requester(deps: Deps, who: str | int, actor: Actor,
                          on_case: Callable[[CaseReport], None] | None = None) -> ErasureResult:
    account_id = await resolve_requester(deps, who)
    keyring = keyring_of(deps)
    await keyring.open(deps.db)
    purgers = list(deps.case_purgers)
    async with deps.db.read() as s:
        cases = list((await s.execute(select(Case).where(Case.requester_id == account_id).order_by(Case.id))).scalars())
    still_open = [c.id for c in cases if c.status not in CLOSED]
    if still_open:
        ids = ", ".join(str(i) for i in still_open[:10])
        raise Conflict(f"the requester has {len(still_open)} open case(s) ({ids}); resolve them before erasing")
    result = ErasureResult(account_id)
    for case in cases:
        async with deps.db.transaction() as s:
            claimed = await s.execute(update(Case).where(Case.id == case.id, Case.status.in_(CLOSED))
                                      .values(status=Case.status).execution_options(synchronize_session=False))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                raise Conflict(f"case {case.id} was reopened meanwhile; resolve it and erase again")
            report = await erase_case(s, keyring, case, deps.clock.now(), actor, purgers)
        if report.changed:
            result.cases.append(report)
            if on_case is not None:
                on_case(report)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        result.messages_elsewhere = await erase_sent_elsewhere(s, account_id)
        if result.messages_elsewhere:
            s.add(audit_row(now, "erase", "requester_messages", None, result.messages_elsewhere, actor,
                            subject_id=account_id))
        account = await s.get(Account, account_id)
        assert account is not None
        if account.display_name != ERASED_NAME or account.username is not None or account.password_hash is not None \
                or not account.disabled:
            account.display_name = ERASED_NAME
            account.username = None
            account.password_hash = None
            account.disabled = True
            result.account_anonymized = True
            s.add(audit_row(now, "erase", "account", None, 1, actor, subject_id=account_id,
                            detail={"cases": len(cases)}))
        await s.execute(delete(Token).where(Token.account_id == account_id))
    await compact(deps)  # as after a purge: the freed bytes leave the SQLite files now, not at a later checkpoint
    return result
