"""Per-case facts owned by the escalation area: the escalation team and the expert teams asked in.

Loaded for every batch of case-room messages (the writer's permission check), so it is one small
indexed query for all the cases at once.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models.escalation import OPEN, CaseExpert, Escalation


async def load(session: AsyncSession, case_ids: list[int]) -> dict[int, tuple[str | None, frozenset[str]]]:
    """case id -> (team owning the open escalation or None, expert teams asked in)."""
    if not case_ids:
        return {}
    ids = list(set(case_ids))
    rows = (await session.execute(union_all(
        select(Escalation.case_id, literal("team"), Escalation.team)
        .where(Escalation.case_id.in_(ids), Escalation.status == OPEN),
        select(CaseExpert.case_id, literal("expert"), CaseExpert.team).where(CaseExpert.case_id.in_(ids)),
    ))).all()
    teams: dict[int, str | None] = {}
    experts: dict[int, set[str]] = defaultdict(set)
    for case_id, what, team in rows:
        if what == "team":
            teams[case_id] = team
        else:
            experts[case_id].add(team)
    return {cid: (teams.get(cid), frozenset(experts.get(cid, ()))) for cid in set(teams) | set(experts)}
