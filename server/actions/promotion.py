"""Trainees' records, the list of trainees for admins, and promotion trainee -> helper.

Promotion is refused (forbidden, one clear line) while the trainee lacks the vouches config asks for,
unless forced; either way it is one transaction with its audit entry. The shell (`livehelp accounts
promote`) acts as an admin whose audit label is "cli:<os user>".
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor
from server.actions import audit
from server.actions.access import enforce
from server.actions.accounts import account_view
from server.actions.vouching import vouches_for
from server.deps import Deps
from server.errors import Conflict, NotFound
from server.notify import Effect, Emit, account_room
from server.storage import participation
from server.storage.facts import load_actor, load_actors
from server.storage.models import Account, AccountRole
from server.storage.participation import insert_ignore

# The shell operator acts as an admin (they own the server and its database anyway).
SHELL_ACTOR = Actor(id=0, roles=frozenset({"admin"}))


def shell_label() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (containers)
        return "cli"


async def acting(s: AsyncSession, actor_id: int | None, now: dt.datetime) -> tuple[Actor, str]:
    """(actor, audit label): an account, or the shell when actor_id is None."""
    if actor_id is None:
        return SHELL_ACTOR, shell_label()
    actor = await load_actor(s, actor_id, now)
    account = await s.get(Account, actor_id)
    return actor, (account.username or account.display_name) if account else str(actor_id)


async def access_account(s: AsyncSession, account_id: int | None = None, username: str | None = None) -> Account:
    if account_id is not None:
        account = await s.get(Account, account_id)
    else:
        account = (await s.execute(select(Account).where(
            Account.username == (username or "").strip().lower()))).scalar_one_or_none()
    if account is None or account.is_guest:
        raise NotFound(f"no account named {username!r}" if username is not None else "no such account")
    return account


# --- records ----------------------------------------------------------------------------------------


async def records(s: AsyncSession, deps: Deps, accounts: list[Account], now: dt.datetime) -> list[dict[str, Any]]:
    """Each account's trainee record: cases shadowed, taken under supervision, vouches, eligibility."""

    cfg = deps.config.roles.promotion
    ids = [a.id for a in accounts]
    counts = await participation.case_counts(s, ids)
    progress = await participation.progress_of(s, ids)
    out = []
    for a in accounts:
        p = progress[a.id]
        eligible = policy.promotion_eligible(p, cfg.vouches_required, cfg.distinct_vouchers_required)
        out.append({
            "account": await account_view(s, a, now),
            "record": {**counts[a.id], "vouches_received": p.vouches, "distinct_vouchers": p.distinct_vouchers,
                       "vouches": await vouches_for(s, a.id)},
            "vouches": p.vouches,
            "distinct_vouchers": p.distinct_vouchers,
            "required": cfg.vouches_required,
            "required_vouchers": cfg.distinct_vouchers_required,
            "eligible": eligible,
        })
    return out


async def list_trainees(deps: Deps, actor_id: int | None, eligible_only: bool = False) -> list[dict[str, Any]]:
    """GET /api/admin/trainees: every enabled trainee (eligible ones first) with their record."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        enforce(policy.can_administer((await acting(s, actor_id, now))[0]))
        ids = [r[0] for r in (await s.execute(select(AccountRole.account_id).where(AccountRole.role == "trainee"))).all()]
        actors = await load_actors(s, ids, now)
        ids = [i for i, a in actors.items() if policy.works_as_trainee(a)]
        accounts = list((await s.execute(select(Account).where(Account.id.in_(ids), Account.disabled.is_(False))
                                         .order_by(Account.username))).scalars()) if ids else []
        out = await records(s, deps, accounts, now)
    if eligible_only:
        out = [t for t in out if t["eligible"]]
    return sorted(out, key=lambda t: not t["eligible"])


async def record_of(deps: Deps, actor_id: int, account_id: int) -> dict[str, Any]:
    """One account's record: for admins, and for the trainee themself."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        enforce(policy.can_view_record(await load_actor(s, actor_id, now), account_id))
        account = await access_account(s, account_id)
        return (await records(s, deps, [account], now))[0]


# --- promotion --------------------------------------------------------------------------------------


async def promote(deps: Deps, actor_id: int | None, *, account_id: int | None = None, username: str | None = None,
                  to: str = "helper", reason: str | None = None, force: bool = False, via: str = "api"
                  ) -> tuple[dict[str, Any], list[Effect]]:
    """Trainee -> helper (the trainee role is replaced by helper); audited with the vouch counts."""
    now = deps.clock.now()
    cfg = deps.config.roles.promotion
    async with deps.db.transaction() as s:
        actor, label = await acting(s, actor_id, now)
        account = await access_account(s, account_id, username)
        target = (await load_actors(s, [account.id], now))[account.id]
        progress = (await participation.progress_of(s, [account.id]))[account.id]
        name = account.username or account.display_name
        args = (actor, target, name, to, progress, cfg.vouches_required, cfg.distinct_vouchers_required)
        hint = "use --force to promote anyway" if via == "cli" else 'send "force": true to promote anyway'
        enforce(policy.can_promote(*args, force=force, force_hint=hint))
        eligible = policy.promotion_eligible(progress, cfg.vouches_required, cfg.distinct_vouchers_required)
        removed = await s.execute(delete(AccountRole).where(AccountRole.account_id == account.id,
                                                            AccountRole.role == "trainee"))
        if removed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"{name} was promoted meanwhile")
        await insert_ignore(s, AccountRole, {"account_id": account.id, "role": "helper"}, ["account_id", "role"])
        after = (target.roles - {"trainee"}) | {"helper"}
        counts = f"{progress.vouches} vouches from {progress.distinct_vouchers} people"
        auto = f"eligible: {counts}" if eligible else f"forced while not eligible ({counts})"
        entry = await audit.write(
            s, now, actor_id=actor_id, actor_label=label, account=account, action="promote", before=target.roles,
            after=after, reason=reason or auto, via=via,
            details={"to": to, "forced": bool(force and not eligible), "eligible": eligible,
                     "vouches": progress.vouches, "distinct_vouchers": progress.distinct_vouchers})
        view = await account_view(s, account, now)
        entry_view = (await audit.entries_view(s, [entry]))[0]
    effects: list[Effect] = [
        Emit("account.updated", {"account": view}, (account_room(account.id),)),
        Emit("alert", {"kind": "promoted", "account": view, "message": "You are a helper now. Congratulations!"},
             (account_room(account.id),)),
    ]
    return {"account": view, "audit": entry_view}, effects
