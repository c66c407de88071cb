"""Per-case facts owned by the escalation area: the escalation team and the expert teams asked in.

Loaded for every batch of case-room messages (the writer's permission check), so it is one small
indexed query for all the cases at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, bindparam, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models.escalation import OPEN, CaseExpert, Escalation

# Built once with an expanding parameter: the same compiled statement for any number of cases (a statement
# built per batch paid SQLAlchemy's construction and cache-key walk every time).
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_EXTRAS = union_all(
    select(Escalation.case_id, literal("team"), Escalation.team)
    .where(Escalation.case_id.in_(_IDS), Escalation.status == OPEN),
    select(CaseExpert.case_id, literal("expert"), CaseExpert.team).where(CaseExpert.case_id.in_(_IDS)),
)


def sqlite_sql(n: int) -> str:
    """_EXTRAS as SQLite SQL for n case ids, bound as the ids twice then OPEN (the message writer's direct
    path reads it on its own connection, without SQLAlchemy: storage/sqlite_batch.py)."""
    marks = ", ".join("?" * n)
    return (f"SELECT case_id, 'team', team FROM escalations WHERE case_id IN ({marks}) AND status = ?"
            f" UNION ALL SELECT case_id, 'expert', team FROM case_experts WHERE case_id IN ({marks})")


def sqlite_params(case_ids: list[int]) -> list[Any]:
    return [*case_ids, OPEN, *case_ids]


async def load(session: AsyncSession, case_ids: list[int]) -> dict[int, tuple[str | None, frozenset[str]]]:
    """case id -> (team owning the open escalation or None, expert teams asked in)."""
    if not case_ids:
        return {}
    return by_case((await session.execute(_EXTRAS, {"ids": list(set(case_ids))})).all())


def by_case(rows: Iterable[Any]) -> dict[int, tuple[str | None, frozenset[str]]]:
    """Rows of (case_id, 'team' | 'expert', team) -> case id -> (escalation team, expert teams)."""
    teams: dict[int, str | None] = {}
    experts: dict[int, set[str]] = defaultdict(set)
    for case_id, what, team in rows:
        if what == "team":
            teams[case_id] = team
        else:
            experts[case_id].add(team)
    return {cid: (teams.get(cid), frozenset(experts.get(cid, ()))) for cid in set(teams) | set(experts)}
