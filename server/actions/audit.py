"""The audit log of role changes: who (an admin, the shell, or the account itself at sign-up), when,
to whom, what (roles before and after) and why. Written in the same transaction as the change, so an
entry exists exactly when the change does. Listed by admins (GET /api/admin/audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server.actions.access import enforce
from server.clock import iso
from server.deps import Deps
from server.storage.facts import load_actor
from server.storage.models import Account
from server.storage.models.roles import RoleAudit


async def write(s: AsyncSession, now: dt.datetime, *, actor_id: int | None, actor_label: str, account: Account,
                action: str, before: set[str] | frozenset[str], after: set[str] | frozenset[str],
                reason: str | None, via: str, details: dict[str, Any] | None = None) -> RoleAudit:
    entry = RoleAudit(at=now, actor_id=actor_id, actor_label=actor_label, account_id=account.id,
                      account_username=account.username, action=action, roles_before=sorted(before),
                      roles_after=sorted(after), reason=(reason or "").strip() or None, via=via, details=details)
    s.add(entry)
    await s.flush()
    return entry


def entry_dict(e: RoleAudit, people: dict[int, Account]) -> dict[str, Any]:
    actor = people.get(e.actor_id) if e.actor_id is not None else None
    account = people.get(e.account_id) if e.account_id is not None else None
    return {
        "id": e.id,
        "at": iso(e.at),
        "actor": {"id": actor.id, "username": actor.username, "display_name": actor.display_name} if actor else None,
        "actor_label": e.actor_label,
        "account": {"id": e.account_id, "username": e.account_username,
                    "display_name": account.display_name if account else None},
        "action": e.action,
        "roles_before": list(e.roles_before or []),
        "roles_after": list(e.roles_after or []),
        "reason": e.reason,
        "via": e.via,
        "details": e.details or {},
    }


async def entries_view(s: AsyncSession, entries: list[RoleAudit]) -> list[dict[str, Any]]:
    ids = {i for e in entries for i in (e.actor_id, e.account_id) if i is not None}
    people = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(ids)))).scalars()} if ids else {}
    return [entry_dict(e, people) for e in entries]


async def list_entries(deps: Deps, actor_id: int, *, account_id: int | None = None, before: int | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; `before` (an entry id) pages back; `account_id` filters to one account."""
    async with deps.db.read() as s:
        enforce(policy.can_administer(await load_actor(s, actor_id, deps.clock.now())))
        q = select(RoleAudit)
        if account_id is not None:
            q = q.where(RoleAudit.account_id == account_id)
        if before is not None:
            q = q.where(RoleAudit.id < before)
        rows = list((await s.execute(q.order_by(RoleAudit.id.desc()).limit(limit))).scalars())
        return await entries_view(s, rows)
