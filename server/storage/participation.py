"""Queries of the roles area: who worked which case in which capacity, take-overs, vouch counts.

Inserts that may race (the same shadow twice, two vouches at once) use the dialect's
INSERT ... ON CONFLICT DO NOTHING and look at the row count, never read-then-write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import Progress
from server.storage.models import Case, RoomMember
from server.storage.models.roles import CaseParticipant, CaseTakeover, Vouch

PARTICIPANT_ROLES = ("shadow", "trainee", "helper", "monitor")


async def insert_ignore(s: AsyncSession, model: Any, values: dict[str, Any], conflict_on: list[str]) -> bool:
    """INSERT unless a row with the same unique key exists; True when a row was inserted."""
    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_on)
    result = await s.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record(s: AsyncSession, case_id: int, account_id: int, role: str, now: dt.datetime) -> None:
    """Remember that account_id worked case_id as `role` (first time only)."""
    assert role in PARTICIPANT_ROLES, role
    await insert_ignore(s, CaseParticipant, dict(case_id=case_id, account_id=account_id, role=role, first_at=now),
                        ["case_id", "account_id", "role"])


async def capacities(s: AsyncSession, case_id: int, account_id: int) -> set[str]:
    rows = await s.execute(select(CaseParticipant.role).where(
        CaseParticipant.case_id == case_id, CaseParticipant.account_id == account_id))
    return {r[0] for r in rows.all()}


async def worked_case(s: AsyncSession, case: Case, account_id: int) -> bool:
    """Was the account in the case as staff: its helper or monitor, a shadow, or a staff member of the room?"""
    if account_id in (case.helper_id, case.monitor_id):
        return True
    if await capacities(s, case.id, account_id):
        return True
    role = (await s.execute(select(RoomMember.role).where(
        RoomMember.room_id == case.room_id, RoomMember.account_id == account_id))).scalar_one_or_none()
    return role in ("staff", "monitor", "shadow")


async def taken_from(s: AsyncSession, case_id: int) -> int | None:
    """The trainee a monitor took this case from (case.handback target), or None."""
    return (await s.execute(select(CaseTakeover.trainee_id).where(CaseTakeover.case_id == case_id))).scalar_one_or_none()


async def remember_takeover(s: AsyncSession, case_id: int, trainee_id: int, monitor_id: int, now: dt.datetime) -> None:
    await s.execute(delete(CaseTakeover).where(CaseTakeover.case_id == case_id))
    s.add(CaseTakeover(case_id=case_id, trainee_id=trainee_id, monitor_id=monitor_id, taken_at=now))
    await s.flush()


async def forget_takeover(s: AsyncSession, case_id: int) -> None:
    await s.execute(delete(CaseTakeover).where(CaseTakeover.case_id == case_id))


async def progress_of(s: AsyncSession, trainee_ids: Iterable[int]) -> dict[int, Progress]:
    """Vouches and distinct vouchers per trainee (a voucher whose account is gone still counts once)."""
    ids = list(set(trainee_ids))
    if not ids:
        return {}
    rows = (await s.execute(
        select(Vouch.trainee_id, func.count(Vouch.id), func.count(func.distinct(Vouch.voucher_id)))
        .where(Vouch.trainee_id.in_(ids)).group_by(Vouch.trainee_id))).all()
    out = {i: Progress() for i in ids}
    for tid, n, distinct in rows:
        out[tid] = Progress(vouches=int(n), distinct_vouchers=int(distinct))
    return out


async def case_counts(s: AsyncSession, account_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per account: distinct cases shadowed, taken under supervision, and of those, resolved."""
    ids = list(set(account_ids))
    out = {i: {"cases_shadowed": 0, "cases_supervised": 0, "cases_supervised_resolved": 0} for i in ids}
    if not ids:
        return out
    rows = (await s.execute(
        select(CaseParticipant.account_id, CaseParticipant.role, func.count(func.distinct(CaseParticipant.case_id)))
        .where(CaseParticipant.account_id.in_(ids), CaseParticipant.role.in_(("shadow", "trainee")))
        .group_by(CaseParticipant.account_id, CaseParticipant.role))).all()
    for aid, role, n in rows:
        out[aid]["cases_shadowed" if role == "shadow" else "cases_supervised"] = int(n)
    resolved = (await s.execute(
        select(CaseParticipant.account_id, func.count(func.distinct(CaseParticipant.case_id)))
        .join(Case, Case.id == CaseParticipant.case_id)
        .where(CaseParticipant.account_id.in_(ids), CaseParticipant.role == "trainee", Case.status == "resolved")
        .group_by(CaseParticipant.account_id))).all()
    for aid, n in resolved:
        out[aid]["cases_supervised_resolved"] = int(n)
    return out
