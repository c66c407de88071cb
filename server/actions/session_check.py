"""Revocation that bites, with several processes: a periodic check of this process's open sockets.

Auth is checked at connect; what changes later is caught here, every auth.session_check_interval:
- a socket whose token was revoked (log out, `livehelp accounts revoke-tokens`, which runs in another
  process), has expired, or whose account was disabled is disconnected;
- an account whose roles or teams changed (any new role-audit entry, written in the same transaction as
  the change, whichever process made it) has its sockets put in exactly the rooms its roles now give.
The database is the shared truth, so this is correct with one process or many, with or without Redis.
A change made through this process's REST API takes effect at once (its action returns the effects);
this check is the bound for the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from server.actions.presence import socket_rooms_of
from server.deps import Deps
from server.notify import Disconnect, Effect, SetRooms
from server.storage.models import Account, Token
from server.storage.models.roles import RoleAudit

_CHUNK = 500  # ids per IN list: well under SQLite's and asyncpg's parameter limits


@dataclass
class Watermark:
    """The newest role-audit entry already applied by this process (None: not read yet)."""

    audit_id: int | None = None


async def check_sockets(deps: Deps, mark: Watermark) -> list[Effect]:
    now = deps.clock.now()
    token_ids = sorted(deps.connections.token_ids())
    dead: set[int] = set()
    effects: list[Effect] = []
    async with deps.db.read() as s:
        for i in range(0, len(token_ids), _CHUNK):
            chunk = token_ids[i:i + _CHUNK]
            dead.update(r[0] for r in (await s.execute(
                select(Token.id).join(Account, Account.id == Token.account_id)
                .where(Token.id.in_(chunk),
                       or_(Token.revoked_at.is_not(None), Token.expires_at <= now, Account.disabled.is_(True)))
            )).all())
        newest = (await s.execute(select(func.max(RoleAudit.id)))).scalar()
        changed: set[int] = set()
        if mark.audit_id is not None and newest is not None and newest > mark.audit_id:
            changed = {r[0] for r in (await s.execute(
                select(RoleAudit.account_id).where(RoleAudit.id > mark.audit_id, RoleAudit.id <= newest)
            )).all() if r[0] is not None}
        mark.audit_id = newest or 0
        for account_id in sorted(changed & deps.connections.accounts()):
            effects.append(SetRooms(account_id, await socket_rooms_of(s, account_id, now)))
    if dead:
        effects.insert(0, Disconnect(tuple(deps.connections.sids_with_tokens(dead))))
    return effects
