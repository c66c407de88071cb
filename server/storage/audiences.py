"""Who an alert goes to: config audiences (`team`, `case`, `team:NAME`, `role:ROLE`, `on_duty:ROLE`,
`user:USERNAME`) resolved to account ids at the moment of sending, so team and duty changes count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.facts import on_duty_accounts
from server.storage.models import Account, AccountRole, AccountTeam, Case


async def team_members(s: AsyncSession, team: str) -> list[int]:
    rows = await s.execute(
        select(AccountTeam.account_id).join(Account, Account.id == AccountTeam.account_id)
        .where(AccountTeam.team == team, Account.disabled.is_(False)))
    return sorted(r[0] for r in rows.all())


async def case_staff(s: AsyncSession, case_id: int | None) -> set[int]:
    """The helper, trainee and supervising monitor on a case (enabled accounts)."""
    if case_id is None:
        return set()
    row = (await s.execute(select(Case.helper_id, Case.trainee_id, Case.monitor_id).where(Case.id == case_id))).first()
    ids = {i for i in (row or ()) if i is not None}
    if not ids:
        return set()
    return set((await s.execute(select(Account.id).where(Account.id.in_(ids), Account.disabled.is_(False)))).scalars())


async def resolve(s: AsyncSession, specs: Iterable[str], now: dt.datetime, *, route_team: str | None = None,
                  case_id: int | None = None) -> set[int]:
    """Account ids (enabled accounts only) named by an audience list."""
    ids: set[int] = set()
    for spec in specs:
        kind, _, arg = spec.partition(":")
        if spec == "case":
            ids |= await case_staff(s, case_id)
        elif spec == "team":
            if route_team:
                ids |= set(await team_members(s, route_team))
        elif kind == "team":
            ids |= set(await team_members(s, arg))
        elif kind in ("role", "on_duty"):
            accounts = list((await s.execute(
                select(Account).join(AccountRole, AccountRole.account_id == Account.id)
                .where(AccountRole.role == arg, Account.disabled.is_(False)))).scalars())
            if kind == "role":
                ids |= {a.id for a in accounts}
            else:
                ids |= await on_duty_accounts(s, accounts, now)
        elif kind == "user":
            found = (await s.execute(select(Account.id).where(
                Account.username == arg.strip().lower(), Account.disabled.is_(False)))).scalar_one_or_none()
            if found is not None:
                ids.add(found)
    return ids
