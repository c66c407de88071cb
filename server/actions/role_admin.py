"""Accounts and their roles, as admins manage them (and self sign-up): every role change is audited in
the same transaction.

Roles come in and out through one path, apply_roles(), so the audit, the Socket.IO staff rooms
(staff:monitors, staff:admins) and supervision (a monitor who loses the role stops supervising) always
follow a change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server.actions import audit, presence
from server.actions.access import enforce
from server.actions.accounts import KNOWN_ROLES, account_view, issue_token, validate_new_account
from server.actions.promotion import access_account, acting
from server.actions.supervision import release_monitor
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict, Invalid
from server.notify import Effect, Emit, account_room
from server.passwords import hash_password_async
from server.storage.facts import connected_accounts, load_actor, roles_and_teams
from server.storage.models import Account, AccountRole, AccountTeam
from server.storage.participation import insert_ignore


def check_roles(roles: list[str]) -> set[str]:
    unknown = [r for r in roles if r not in KNOWN_ROLES]
    if unknown:
        raise Invalid(f"unknown role {unknown[0]!r}; roles are {', '.join(KNOWN_ROLES)}")
    return set(roles)


def check_teams(deps: Deps, teams: list[str]) -> set[str]:
    configured = set(deps.config.roles.teams)
    bad = [t for t in teams if t not in configured]
    if bad:
        raise Invalid(f"unknown team {bad[0]!r}; teams come from config.yaml roles.teams")
    return set(teams)


async def _admins_after(s: AsyncSession, account_id: int, will_be_admin: bool) -> int:
    others = (await s.execute(
        select(func.count()).select_from(AccountRole).join(Account, Account.id == AccountRole.account_id)
        .where(AccountRole.role == "admin", AccountRole.account_id != account_id, Account.disabled.is_(False))
    )).scalar_one()
    return int(others) + (1 if will_be_admin else 0)


async def apply_roles(s: AsyncSession, now: dt.datetime, *, actor_id: int | None, label: str, account: Account,
                      before: frozenset[str], after: set[str], reason: str | None, via: str) -> list[dict[str, Any]]:
    """Write the role rows and one audit entry per direction (grant, revoke); returns the entries."""
    added, removed = after - before, before - after
    entries = []
    if added:
        for role in sorted(added):
            await insert_ignore(s, AccountRole, {"account_id": account.id, "role": role}, ["account_id", "role"])
        entries.append(await audit.write(s, now, actor_id=actor_id, actor_label=label, account=account,
                                         action="grant", before=before, after=before | added, reason=reason, via=via,
                                         details={"roles": sorted(added)}))
    if removed:
        await s.execute(delete(AccountRole).where(AccountRole.account_id == account.id,
                                                  AccountRole.role.in_(sorted(removed))))
        entries.append(await audit.write(s, now, actor_id=actor_id, actor_label=label, account=account,
                                         action="revoke", before=before | added, after=after, reason=reason, via=via,
                                         details={"roles": sorted(removed)}))
    return await audit.entries_view(s, entries)


async def role_effects(deps: Deps, account_id: int, before: frozenset[str], after: set[str],
                       view: dict[str, Any]) -> list[Effect]:
    """After commit: the account's sockets enter or leave the staff rooms; a monitor who lost the role
    stops supervising (handed over or re-queued)."""
    effects: list[Effect] = [Emit("account.updated", {"account": view}, (account_room(account_id),)),
                             *await presence.rooms_effect(deps, account_id)]
    if "monitor" in before and "monitor" not in after:

        effects.extend(await release_monitor(deps, account_id, "no longer a room monitor"))
    return effects


async def change_roles(deps: Deps, actor_id: int | None, account_id: int | None, *, grant: list[str],
                       revoke: list[str], reason: str | None, username: str | None = None, via: str = "api"
                       ) -> tuple[dict[str, Any], list[Effect]]:
    """POST /api/admin/accounts/{id}/roles {"grant", "revoke", "reason"}: audited, never leaving no admin."""
    g, r = check_roles(grant), check_roles(revoke)
    if g & r:
        raise Invalid(f"role {sorted(g & r)[0]!r} is both granted and revoked")
    if not g and not r:
        raise Invalid("name roles to 'grant' or 'revoke'")
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor, label = await acting(s, actor_id, now)
        enforce(policy.can_administer(actor))
        account = await access_account(s, account_id, username)
        roles, _ = await roles_and_teams(s, [account.id])
        before = roles[account.id]
        after = (set(before) | g) - r
        enforce(policy.can_change_roles(actor, await _admins_after(s, account.id, "admin" in after)))
        entries = await apply_roles(s, now, actor_id=actor_id, label=label, account=account, before=before,
                                    after=after, reason=reason, via=via)
        view = await account_view(s, account, now)
    return {"account": view, "audit": entries}, await role_effects(deps, account.id, before, after, view)


async def update_account(deps: Deps, actor_id: int, account_id: int, *, display_name: str | None,
                         roles: list[str] | None, teams: list[str] | None, reason: str | None
                         ) -> tuple[dict[str, Any], list[Effect]]:
    """PATCH /api/admin/accounts/{id}: display name, the whole role set, the whole team set (audited)."""
    wanted_roles = check_roles(roles) if roles is not None else None
    wanted_teams = check_teams(deps, teams) if teams is not None else None
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor, label = await acting(s, actor_id, now)
        enforce(policy.can_administer(actor))
        account = await access_account(s, account_id)
        role_map, team_map = await roles_and_teams(s, [account.id])
        before, teams_before = role_map[account.id], team_map[account.id]
        after = set(before) if wanted_roles is None else wanted_roles
        enforce(policy.can_change_roles(actor, await _admins_after(s, account.id, "admin" in after)))
        if display_name is not None and display_name.strip():
            account.display_name = display_name.strip()[:128]
        entries = await apply_roles(s, now, actor_id=actor_id, label=label, account=account, before=before,
                                    after=after, reason=reason, via="api")
        if wanted_teams is not None and wanted_teams != set(teams_before):
            await s.execute(delete(AccountTeam).where(AccountTeam.account_id == account.id))
            for team in sorted(wanted_teams):
                s.add(AccountTeam(account_id=account.id, team=team))
            entry = await audit.write(s, now, actor_id=actor_id, actor_label=label, account=account, action="teams",
                                      before=after, after=after, reason=reason, via="api",
                                      details={"teams_before": sorted(teams_before), "teams_after": sorted(wanted_teams)})
            entries += await audit.entries_view(s, [entry])
        await s.flush()
        view = await account_view(s, account, now)
    return {"account": view, "audit": entries}, await role_effects(deps, account.id, before, after, view)


async def _create(s: AsyncSession, deps: Deps, now: dt.datetime, username: str, password: str, roles: set[str],
                  teams: set[str], display_name: str | None) -> Account:
    validate_new_account(deps, username, password, sorted(roles), sorted(teams))
    account = Account(username=username, display_name=(display_name or username).strip()[:128] or username,
                      password_hash=await hash_password_async(password, deps.config.auth.password_cost), is_guest=False,
                      on_duty=False, disabled=False, created_at=now)
    s.add(account)
    await s.flush()
    for role in sorted(roles):
        s.add(AccountRole(account_id=account.id, role=role))
    for team in sorted(teams):
        s.add(AccountTeam(account_id=account.id, team=team))
    await s.flush()
    return account


async def create_account(deps: Deps, actor_id: int, *, username: str, password: str, roles: list[str],
                         teams: list[str], display_name: str | None, reason: str | None
                         ) -> tuple[dict[str, Any], list[Effect]]:
    """POST /api/admin/accounts: a new account with its roles, audited as 'create'."""
    username = username.strip().lower()
    now = deps.clock.now()
    try:
        async with deps.db.transaction() as s:
            actor, label = await acting(s, actor_id, now)
            enforce(policy.can_administer(actor))
            account = await _create(s, deps, now, username, password, check_roles(roles), check_teams(deps, teams),
                                    display_name)
            entry = await audit.write(s, now, actor_id=actor_id, actor_label=label, account=account, action="create",
                                      before=frozenset(), after=set(roles), reason=reason, via="api",
                                      details={"teams": sorted(set(teams))} if teams else None)
            view = await account_view(s, account, now)
            entries = await audit.entries_view(s, [entry])
    except IntegrityError:
        raise Conflict(f"username {username!r} is taken") from None
    return {"account": view, "audit": entries}, []


async def sign_up(deps: Deps, username: str, password: str, display_name: str | None) -> dict[str, Any]:
    """POST /api/signup (auth.self_signup): a trainee at once, no approval; logged in (token)."""
    enforce(policy.can_sign_up(deps.config.auth.self_signup))
    username = username.strip().lower()
    now = deps.clock.now()
    try:
        async with deps.db.transaction() as s:
            account = await _create(s, deps, now, username, password, {"trainee"}, set(), display_name)
            await audit.write(s, now, actor_id=account.id, actor_label=username, account=account, action="signup",
                              before=frozenset(), after={"trainee"}, reason="self sign-up", via="signup")
            token = await issue_token(s, account.id, deps.config.auth.token_ttl, now)
            view = await account_view(s, account, now)
    except IntegrityError:
        raise Conflict(f"username {username!r} is taken") from None
    return {"token": token, "account": view}


async def list_accounts(deps: Deps, actor_id: int, role: str | None = None) -> list[dict[str, Any]]:
    """GET /api/admin/accounts: every account that is not a guest, with roles, teams, duty, presence."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        enforce(policy.can_administer(await load_actor(s, actor_id, now)))
        q = select(Account).where(Account.is_guest.is_(False))
        if role:
            check_roles([role])
            q = q.where(Account.id.in_(select(AccountRole.account_id).where(AccountRole.role == role)))
        accounts = list((await s.execute(q.order_by(Account.username))).scalars())
        connected = await connected_accounts(s, [a.id for a in accounts])
        out = []
        for a in accounts:
            view = await account_view(s, a, now)
            out.append({**view, "connected": a.id in connected, "disabled": a.disabled, "created_at": iso(a.created_at)})
        return out
