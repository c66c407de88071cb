"""The one access path (Zulip's access_* helpers): load the case or room, decide through roles/policy.py,
raise the error the policy's Decision names.

Every action goes through here, so a refusal is answered the same way everywhere: `forbidden` for who
is asking, `conflict` for the case's state, `not_found` where existence must not leak. No other module
raises Forbidden; the answer code is always the policy's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import Actor, CaseFacts, RoomFacts
from roles.policy import Decision
from server.errors import Conflict, DomainError, Forbidden, NotFound
from server.storage.facts import case_facts_for, load_actor, room_facts
from server.storage.models import Case, Room


def refusal(decision: Decision) -> DomainError:
    """The error a refused Decision answers with (for callers that collect errors, like the writer)."""
    if decision.code == "conflict":
        return Conflict(decision.reason)
    if decision.code == "not_found":
        return NotFound(decision.reason)
    return Forbidden(decision.reason)


def enforce(decision: Decision) -> None:
    """Raise unless allowed, with the error the decision's code names."""
    if not decision:
        raise refusal(decision)


async def access_case(s: AsyncSession, case_id: Any) -> Case:
    """The case, or not_found (a non-integer id is simply not a case)."""
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise NotFound("no such case")
    case = await s.get(Case, case_id)
    if case is None:
        raise NotFound("no such case")
    return case


async def access_room(s: AsyncSession, room_id: int) -> Room:
    room = await s.get(Room, room_id)
    if room is None:
        raise NotFound("no such room")
    return room


async def facts_of(s: AsyncSession, case: Case) -> CaseFacts:
    return (await case_facts_for(s, [case]))[case.id]


async def authorized_case(s: AsyncSession, actor_id: int, case_id: Any, now: dt.datetime,
                          can: Callable[[Actor, CaseFacts], Decision]) -> tuple[Actor, Case, CaseFacts]:
    """The actor, the case and its facts, once `can(actor, facts)` allows (not_found first)."""
    actor = await load_actor(s, actor_id, now)
    case = await access_case(s, case_id)
    facts = await facts_of(s, case)
    enforce(can(actor, facts))
    return actor, case, facts


async def authorized_room(s: AsyncSession, actor: Actor, room_id: int,
                          can: Callable[[Actor, RoomFacts], Decision]) -> tuple[Room, RoomFacts]:
    """The room and the caller's facts in it, once `can(actor, facts)` allows."""
    room = await access_room(s, room_id)
    facts = await room_facts(s, room, actor.id)
    enforce(can(actor, facts))
    return room, facts
