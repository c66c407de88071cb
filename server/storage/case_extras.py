"""Per-case facts owned by the escalation area: the escalation team and involved expert teams."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession, case_ids: list[int]) -> dict[int, tuple[str | None, frozenset[str]]]:
    return {}
