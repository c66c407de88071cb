"""The monitor's view: every live case with its state, who is in it, how long the requester has waited,
and each monitor's supervision load. Kept live by `case.updated` (core) and `monitor.case` (here: who
shadows or supervises changed), both sent to staff:monitors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions.access import enforce
from server.clock import as_utc
from server.deps import Deps
from server.notify import ADMINS, MONITORS, Emit
from server.storage.facts import connected_accounts, load_actor, on_duty_accounts, roles_and_teams
from server.storage.models import Account, AccountRole, Case, RoomMember
from server.views import case_dict, person

LIVE = sorted(lifecycle.OPEN)


def _seconds(a: dt.datetime | None, b: dt.datetime) -> int | None:
    a = as_utc(a)
    return None if a is None else max(0, int((b - a).total_seconds()))


async def _shadows(s: AsyncSession, room_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Shadows per room, with their roles (so a trainee shadow is told from a helper shadow)."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not room_ids:
        return out
    rows = (await s.execute(
        select(RoomMember.room_id, Account).join(Account, Account.id == RoomMember.account_id)
        .where(RoomMember.room_id.in_(room_ids), RoomMember.role == "shadow")
        .order_by(RoomMember.joined_at, RoomMember.account_id))).all()
    roles, _ = await roles_and_teams(s, [a.id for _, a in rows])
    for room_id, account in rows:
        out[room_id].append(dict(person(account) or {}, roles=sorted(roles.get(account.id, ()))))
    return out


async def entries(s: AsyncSession, cases: list[Case], now: dt.datetime) -> list[dict[str, Any]]:
    """Overview entries: the case object plus shadows, waiting_seconds and age_seconds."""
    ids = {i for c in cases for i in (c.requester_id, c.helper_id, c.trainee_id, c.monitor_id) if i is not None}
    people = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(ids)))).scalars()} if ids else {}
    shadows = await _shadows(s, [c.room_id for c in cases])
    out = []
    for c in cases:
        view = case_dict(c, people)
        first = as_utc(c.first_response_at)
        # How long the requester has waited for a first answer (or waited, once answered).
        view["waiting_seconds"] = _seconds(c.created_at, first or now)
        view["age_seconds"] = _seconds(c.created_at, now)
        view["shadows"] = shadows.get(c.room_id, [])
        out.append(view)
    return out


async def case_emit(s: AsyncSession, case: Case, now: dt.datetime) -> Emit:
    """`monitor.case` with one case's overview entry, to monitors and admins."""
    await s.refresh(case)
    return Emit("monitor.case", {"case": (await entries(s, [case], now))[0]}, (MONITORS, ADMINS))


async def supervision_load(s: AsyncSession, deps: Deps, cases: list[Case], now: dt.datetime
                           ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per monitor (on duty, or supervising something): cases supervised and their trainees; and how many
    monitors, helpers and trainees are on duty."""
    role_rows = (await s.execute(select(AccountRole.account_id, AccountRole.role).where(
        AccountRole.role.in_(("monitor", "helper", "trainee"))))).all()
    by_role: dict[str, set[int]] = defaultdict(set)
    for aid, role in role_rows:
        by_role[role].add(aid)
    ids = set().union(*by_role.values()) if by_role else set()
    accounts = {a.id: a for a in (await s.execute(
        select(Account).where(Account.id.in_(ids), Account.disabled.is_(False)))).scalars()} if ids else {}
    duty = await on_duty_accounts(s, accounts.values(), now)
    connected = await connected_accounts(s, by_role["monitor"])
    load: dict[int, list[Case]] = defaultdict(list)
    for c in cases:
        if c.monitor_id is not None:
            load[c.monitor_id].append(c)
    trainee_ids = {c.trainee_id for c in cases if c.trainee_id is not None}
    trainees = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(trainee_ids)))).scalars()} \
        if trainee_ids else {}
    missing = [m for m in load if m not in accounts]
    if missing:
        accounts.update({a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(missing)))).scalars()})
    rows = []
    for mid in sorted(m for m in set(load) | (by_role["monitor"] & duty) if m in accounts):
        mine = load.get(mid, [])
        rows.append({
            "monitor": person(accounts[mid]),
            "on_duty": mid in duty,
            "connected": mid in connected,
            "available": mid in duty and mid in connected,
            "cases": len(mine),
            "case_ids": [c.id for c in mine],
            "trainees": [person(trainees[c.trainee_id]) for c in mine if c.trainee_id in trainees],
        })
    on_duty = {f"{role}s": len(by_role[role] & duty) for role in ("monitor", "helper", "trainee")}
    return rows, on_duty


async def overview(deps: Deps, actor_id: int) -> dict[str, Any]:
    """monitor.overview: every live case (oldest first), the supervision load, who is on duty."""
    now = deps.clock.now()
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, now)
        enforce(policy.can_view_overview(actor))
        cases = list((await s.execute(
            select(Case).where(Case.status.in_(LIVE)).order_by(Case.created_at, Case.id))).scalars())
        load, on_duty = await supervision_load(s, deps, cases, now)
        sla = deps.config.helpdesk.sla
        # The response goal and warning from config, so the dashboard colours waits by the same rule
        # as the sla_breach alerts.
        return {"cases": await entries(s, cases, now), "supervision": load, "on_duty": on_duty,
                "sla": {"first_response_goal_seconds": int(sla.first_response_goal),
                        "first_response_warning_seconds": int(sla.first_response_warning)}}
