"""Accounts, logins and bearer tokens.

Tokens are random, stored as sha256 (a database leak does not leak usable tokens), expire after the
configured lifetime and can be revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import STAFF_ROLES
from server.actions import throttle
from server.deps import Deps
from server.errors import Conflict, Invalid, NotFound, Unauthenticated
from server.notify import Disconnect, Effect
from server.passwords import hash_password_async, verify_password_async
from server.storage.facts import on_duty_accounts, roles_and_teams
from server.storage.models import Account, AccountRole, AccountTeam, Token
from server.views import account_dict

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
KNOWN_ROLES = tuple(sorted(STAFF_ROLES | {"user"}))


@dataclass(frozen=True)
class Session:
    """Who a connection or request acts as."""

    account_id: int
    is_guest: bool
    # The token row it authenticated with (revocation ends the sockets that used it).
    token_id: int | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def account_view(session: AsyncSession, account: Account, now: dt.datetime) -> dict[str, Any]:

    roles, teams = await roles_and_teams(session, [account.id])
    duty = await on_duty_accounts(session, [account], now)
    return account_dict(account, list(roles[account.id]), list(teams[account.id]), on_duty=account.id in duty)


def validate_new_account(deps: Deps, username: str, password: str, roles: list[str], teams: list[str]) -> None:
    if not USERNAME.match(username):
        raise Invalid("username: 2-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit")
    if len(password) < deps.config.auth.password_min_length:
        raise Invalid(f"password: at least {deps.config.auth.password_min_length} characters")
    unknown = [r for r in roles if r not in KNOWN_ROLES]
    if unknown:
        raise Invalid(f"unknown role {unknown[0]!r}; roles are {', '.join(KNOWN_ROLES)}")
    configured = set(deps.config.roles.teams)
    bad_teams = [t for t in teams if t not in configured]
    if bad_teams:
        raise Invalid(f"unknown team {bad_teams[0]!r}; teams come from config.yaml roles.teams")


async def create_account(deps: Deps, username: str, password: str, *, roles: list[str], teams: list[str] = (),  # type: ignore[assignment]
                         display_name: str | None = None) -> dict[str, Any]:
    username = username.strip().lower()
    teams = list(teams)
    validate_new_account(deps, username, password, roles, teams)
    now = deps.clock.now()
    pw_hash = await hash_password_async(password, deps.config.auth.password_cost)
    try:
        async with deps.db.transaction() as s:
            account = Account(username=username, display_name=(display_name or username).strip()[:128],
                              password_hash=pw_hash, is_guest=False, on_duty=False, disabled=False,
                              created_at=now)
            s.add(account)
            await s.flush()
            for role in sorted(set(roles)):
                s.add(AccountRole(account_id=account.id, role=role))
            for team in sorted(set(teams)):
                s.add(AccountTeam(account_id=account.id, team=team))
            await s.flush()
            return await account_view(s, account, now)
    except IntegrityError:
        raise Conflict(f"username {username!r} is taken") from None


async def issue_token(s: AsyncSession, account_id: int, ttl: float, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    s.add(Token(token_hash=_token_hash(token), account_id=account_id, created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl), revoked_at=None))
    return token


async def login(deps: Deps, username: str, password: str, ip: str = "") -> dict[str, Any]:
    """Check the password off the event loop, under the failed-login limits (docs/security.md).

    While an account or an address is over its limit every attempt is refused before any hash work, the
    right password too: a guesser learns nothing from the answer. An unknown name costs a full hash
    (passwords.py's dummy), so timing does not tell which names exist."""
    lim = deps.config.limits
    name = username.strip().lower()
    keys = (f"login:account:{name}"[:200], f"login:ip:{ip}"[:200])
    await throttle.check(deps, keys[0], lim.login_failures_per_account, lim.login_window,
                         "too many failed logins for this account; try again later")
    await throttle.check(deps, keys[1], lim.login_failures_per_ip, lim.login_window,
                         "too many failed logins from this address; try again later")
    async with deps.db.read() as s:
        account = (await s.execute(select(Account).where(Account.username == name))).scalar_one_or_none()
    stored = account.password_hash if account is not None else None
    verdict = await verify_password_async(password, stored, deps.config.auth.password_cost)
    if account is None or account.disabled or not verdict.ok:
        for key in keys:
            await throttle.record(deps, key, lim.login_window)
        raise Unauthenticated("wrong username or password")
    await throttle.clear(deps, keys[0])
    new_hash = (await hash_password_async(password, deps.config.auth.password_cost)
                if verdict.needs_rehash else None)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        if new_hash is not None:
            # scrypt (or an older argon2 cost) -> argon2id at today's cost, only if nobody changed it since.
            await s.execute(update(Account).where(Account.id == account.id, Account.password_hash == stored)
                            .values(password_hash=new_hash))
        token = await issue_token(s, account.id, deps.config.auth.token_ttl, now)
        return {"token": token, "account": await account_view(s, account, now)}


async def create_guest(deps: Deps, display_name: str, ip: str = "") -> dict[str, Any]:
    lim = deps.config.limits
    await throttle.hit(deps, f"guest:ip:{ip}"[:200], lim.guests_per_ip, lim.guest_window,
                       "too many guests from this address; try again later")
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        account = Account(username=None, display_name=display_name.strip(), password_hash=None, is_guest=True,
                          on_duty=False, disabled=False, created_at=now)
        s.add(account)
        await s.flush()
        token = await issue_token(s, account.id, deps.config.auth.guest_token_ttl, now)
        return {"token": token, "account": await account_view(s, account, now)}


async def authenticate(deps: Deps, token: str | None) -> Session:
    """Bearer token -> Session, or Unauthenticated (missing, unknown, expired, revoked, disabled)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        raise Unauthenticated("a valid token is required")
    now = deps.clock.now()
    async with deps.db.read() as s:
        row = (await s.execute(
            select(Token, Account).join(Account, Account.id == Token.account_id)
            .where(Token.token_hash == _token_hash(token))
        )).first()
    if row is None:
        raise Unauthenticated("a valid token is required")
    tok, account = row
    if tok.revoked_at is not None or tok.expires_at <= now or account.disabled:
        raise Unauthenticated("this token has expired or was revoked; log in again")
    return Session(account_id=account.id, is_guest=account.is_guest, token_id=tok.id)


async def revoke_token(deps: Deps, token: str) -> list[Effect]:
    """Log out: the token stops working, and the sockets of this process that used it close at once
    (other processes notice on their next session check, server/actions/session_check.py)."""
    async with deps.db.transaction() as s:
        token_id = (await s.execute(select(Token.id).where(Token.token_hash == _token_hash(token)))).scalar()
        await s.execute(update(Token).where(Token.token_hash == _token_hash(token), Token.revoked_at.is_(None))
                        .values(revoked_at=deps.clock.now()))
    if token_id is None:
        return []
    return [Disconnect(tuple(deps.connections.sids_with_tokens({token_id})))]


async def revoke_all_tokens(deps: Deps, username: str) -> int:
    """`livehelp accounts revoke-tokens`: another process; the servers end the sockets on their next
    session check (auth.session_check_interval)."""
    async with deps.db.transaction() as s:
        account = (await s.execute(select(Account).where(Account.username == username))).scalar_one_or_none()
        if account is None:
            raise NotFound(f"no account named {username!r}")
        result = await s.execute(update(Token).where(Token.account_id == account.id, Token.revoked_at.is_(None))
                                 .values(revoked_at=deps.clock.now()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def me(deps: Deps, account_id: int) -> dict[str, Any]:
    async with deps.db.read() as s:
        account = await s.get(Account, account_id)
        if account is None:
            raise Unauthenticated("this account no longer exists")
        return await account_view(s, account, deps.clock.now())
