"""Load the facts the policy decides on (roles/facts.py) from storage, in batches where it matters."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import Actor, CaseFacts, RoomFacts
from server.errors import Unauthenticated
from server.storage import case_extras, duty
from server.storage.models import Account, AccountRole, AccountTeam, Case, Presence, Room, RoomMember

_ROLES_OF = select(AccountRole.account_id, AccountRole.role).where(
    AccountRole.account_id.in_(bindparam("ids", expanding=True)))
_TEAMS_OF = select(AccountTeam.account_id, AccountTeam.team).where(
    AccountTeam.account_id.in_(bindparam("ids", expanding=True)))


async def roles_and_teams(
    session: AsyncSession, account_ids: Iterable[int]
) -> tuple[dict[int, frozenset[str]], dict[int, frozenset[str]]]:
    ids = list(set(account_ids))
    roles, teams = await _roles_and_teams_in(session, ids) if ids else ({}, {})
    return ({i: roles.get(i, frozenset()) for i in ids}, {i: teams.get(i, frozenset()) for i in ids})


async def teams_of(session: AsyncSession, account_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The teams of these accounts (those without any are absent)."""
    teams: dict[int, set[str]] = defaultdict(set)
    for aid, team in (await session.execute(_TEAMS_OF, {"ids": list(set(account_ids))})).all():
        teams[aid].add(team)
    return {i: frozenset(t) for i, t in teams.items()}


async def roles_and_teams_of(
    session: AsyncSession, account_ids: Select[Any]
) -> tuple[dict[int, frozenset[str]], dict[int, frozenset[str]]]:
    """roles_and_teams for the accounts a subquery selects (many: no list of ids is bound); accounts
    without any are absent, not empty."""
    return await _roles_and_teams_in(session, account_ids)


async def _roles_and_teams_in(
    session: AsyncSession, account_ids: list[int] | Select[Any]
) -> tuple[dict[int, frozenset[str]], dict[int, frozenset[str]]]:
    """The roles and teams of the accounts in `account_ids` (a list of ids or a subquery of them)."""
    roles: dict[int, set[str]] = defaultdict(set)
    teams: dict[int, set[str]] = defaultdict(set)
    if isinstance(account_ids, list):  # the prebuilt statements: compiled once for any number of ids
        role_rows = await session.execute(_ROLES_OF, {"ids": account_ids})
        team_rows = await session.execute(_TEAMS_OF, {"ids": account_ids})
    else:
        role_rows = await session.execute(
            select(AccountRole.account_id, AccountRole.role).where(AccountRole.account_id.in_(account_ids)))
        team_rows = await session.execute(
            select(AccountTeam.account_id, AccountTeam.team).where(AccountTeam.account_id.in_(account_ids)))
    for aid, role in role_rows.all():
        roles[aid].add(role)
    for aid, team in team_rows.all():
        teams[aid].add(team)
    return ({i: frozenset(r) for i, r in roles.items()}, {i: frozenset(t) for i, t in teams.items()})


async def connected_accounts(session: AsyncSession, account_ids: Iterable[int], *, lock: bool = False) -> set[int]:
    """Those with a socket anywhere. `lock` (inside a write): PostgreSQL holds their presence rows (FOR KEY
    SHARE), so a disconnect's DELETE waits for this transaction; on SQLite the write lock already does."""
    ids = list(set(account_ids))
    if not ids:
        return set()
    query = select(Presence.account_id).where(Presence.account_id.in_(ids))
    rows = await session.execute(query.with_for_update(key_share=True) if lock else query.distinct())
    return {r[0] for r in rows.all()}


async def on_duty_accounts(session: AsyncSession, accounts: Iterable[Account], now: dt.datetime) -> set[int]:
    """On duty = toggled on (or inside a scheduled shift: the helpdesk area adds shifts here)."""

    return await duty.on_duty_ids(session, list(accounts), now)


async def load_actors(session: AsyncSession, account_ids: Iterable[int], now: dt.datetime) -> dict[int, Actor]:
    ids = list(set(account_ids))
    if not ids:
        return {}
    accounts = {a.id: a for a in (await session.execute(select(Account).where(Account.id.in_(ids)))).scalars()}
    roles, teams = await roles_and_teams(session, ids)
    connected = await connected_accounts(session, ids)
    duty_ids = await on_duty_accounts(session, accounts.values(), now)
    return {
        aid: Actor(id=aid, roles=roles[aid], teams=teams[aid], is_guest=acc.is_guest,
                   on_duty=aid in duty_ids, connected=aid in connected)
        for aid, acc in accounts.items()
    }


async def load_actor(session: AsyncSession, account_id: int, now: dt.datetime) -> Actor:
    actors = await load_actors(session, [account_id], now)
    if account_id not in actors:

        raise Unauthenticated("this account no longer exists")
    return actors[account_id]


async def case_facts_for(session: AsyncSession, cases: Iterable[Case]) -> dict[int, CaseFacts]:
    """CaseFacts by case id. Escalation teams and expert teams come from the escalation area."""

    cases = list(cases)
    extras = await case_extras.load(session, [c.id for c in cases])
    return {c.id: case_facts_of(c, extras.get(c.id)) for c in cases}


def case_facts_of(c: Any, extras: tuple[str | None, frozenset[str]] | None) -> CaseFacts:
    """The CaseFacts of a case (a Case, or a row with its columns and `experts` decoded) and its extras
    (case_extras.load: the escalation team, the expert teams asked in)."""
    esc_team, experts = extras if extras is not None else (None, frozenset[str]())
    return CaseFacts(
        id=c.id, status=c.status, requester_id=c.requester_id, helper_id=c.helper_id,
        trainee_id=c.trainee_id, monitor_id=c.monitor_id, route=c.route, queue=c.queue,
        escalation_team=esc_team, expert_teams=experts,
        awaiting_experts=any(e.get("status") == "requested" for e in (c.experts or [])),
    )


async def room_facts(session: AsyncSession, room: Room, account_id: int) -> RoomFacts:
    membership = (await session.execute(
        select(RoomMember.role).where(RoomMember.room_id == room.id, RoomMember.account_id == account_id)
    )).scalar_one_or_none()
    case_f = None
    if room.kind == "case":
        case = (await session.execute(select(Case).where(Case.room_id == room.id))).scalar_one_or_none()
        if case is not None:
            case_f = (await case_facts_for(session, [case]))[case.id]
    return RoomFacts(id=room.id, kind=room.kind, membership=membership, case=case_f)


async def case_facts_by_room(s: AsyncSession, room_id: int) -> CaseFacts | None:
    case = (await s.execute(select(Case).where(Case.room_id == room_id))).scalar_one_or_none()
    if case is None:
        return None
    return (await case_facts_for(s, [case]))[case.id]
