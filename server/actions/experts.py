"""Experts: a helper asks an expert team (escalation.experts.teams, e.g. experts:frontend) into a case.

The case stays open and with its helper; the team's members get an `expert_mention` alert with the case
link and a ready text, may join the case room and chat (policy expert_member). The case object shows
`experts: [{"team", "status": "requested" | "responded", ...}]`; the first `chat` by a member of the
team marks it responded (writer batch hook, same transaction as the message). Only a `chat` counts: it is
what the requester and the helper both see. A whisper or a note from the expert stays among staff and
answers nobody's question, so the request stays open (and keeps the case out of the on-hold auto-close).
Resolving the case stamps case_closed_at on every request, which the reports count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import CaseFacts
from server import lifecycle
from server.actions.access import access_case, authorized_case
from server.actions.case_notes import alert, display_name, lock_case, post_note
from server.actions.case_views import case_updated, case_view
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict, Invalid
from server.message_writer import Written
from server.notify import Effect
from server.storage import audiences
from server.storage.models import Case
from server.storage.models.escalation import CaseExpert

REQUESTED, RESPONDED = "requested", "responded"
# The message kinds that answer an expert request (issue 15: only what the helper or requester can see).
ANSWER_KINDS = frozenset({"chat"})


async def refresh_experts(s: AsyncSession, case_id: int) -> None:
    """Copy the case's expert requests onto cases.experts (what every case view shows).

    Callers hold the case row's lock (lock_case, or the writer's transaction after lock_case), so two
    changes to one case's experts never overwrite each other's copy.
    """
    rows = (await s.execute(select(CaseExpert).where(CaseExpert.case_id == case_id)
                            .order_by(CaseExpert.requested_at, CaseExpert.team))).scalars()
    experts = [{"team": r.team, "status": r.status, "requested_at": iso(r.requested_at),
                "responded_at": iso(r.responded_at)} for r in rows]
    await s.execute(update(Case).where(Case.id == case_id).values(experts=experts)
                    .execution_options(synchronize_session=False))


async def involve_expert(deps: Deps, actor_id: int, case_id: Any, team: str) -> tuple[dict[str, Any], list[Effect]]:
    cfg = deps.config.escalation
    if team not in cfg.experts.teams:
        raise Invalid(f"unknown expert team {team!r}; one of {', '.join(cfg.experts.teams) or 'none configured'}",
                      field="team")
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        _, case, _ = await authorized_case(s, actor_id, case_id, now, policy.can_escalate_case)
        if not await lock_case(s, case.id, lifecycle.OPEN):
            raise Conflict("this case is closed")
        dialect = postgresql if deps.db.dialect == "postgresql" else sqlite
        inserted = await s.execute(dialect.insert(CaseExpert).values(
            case_id=case.id, team=team, status=REQUESTED, requested_by=actor_id, requested_at=now,
        ).on_conflict_do_nothing(index_elements=["case_id", "team"]))
        effects: list[Effect] = []
        if inserted.rowcount == 1:  # type: ignore[attr-defined]
            await refresh_experts(s, case.id)
            by = await display_name(s, actor_id)
            link = cfg.link(case.id)
            text = cfg.experts.mention_text.format(case_id=case.id, link=link, team=team, by=by, topic=case.topic)
            effects.append(await post_note(s, case.room_id, actor_id, f"Asked {team} to help in this case.", now,
                                           {"event": "expert_requested", "team": team}))
            effects += alert({"kind": "expert_mention", "case_id": case.id, "room_id": case.room_id, "team": team,
                              "by": {"id": actor_id, "display_name": by}, "topic": case.topic, "text": text,
                              "message": text, "case_link": link, "created_at": iso(now)},
                             await audiences.team_members(s, team))
        await s.refresh(case)
        view = await case_view(s, case)
    return {"case": view}, effects + case_updated(view, case)


async def mark_responded(s: AsyncSession, c: CaseFacts, w: Written, now: dt.datetime) -> None:
    """Writer batch hook part: the first `chat` by a member of an asked team marks it responded."""
    if w.message.kind not in ANSWER_KINDS:
        return
    teams = sorted(c.expert_teams & w.sender_teams)
    result = await s.execute(
        update(CaseExpert).where(CaseExpert.case_id == c.id, CaseExpert.team.in_(teams),
                                 CaseExpert.status == REQUESTED)
        .values(status=RESPONDED, responded_at=now, responded_by=w.message.sender_id,
                responded_message_id=w.message.id).execution_options(synchronize_session=False))
    if result.rowcount:  # type: ignore[attr-defined]
        await lock_case(s, c.id, lifecycle.OPEN)
        await refresh_experts(s, c.id)


async def after_message(deps: Deps, w: Written) -> list[Effect]:
    """After commit: when this message marked an expert request responded, tell the case's watchers."""
    c = w.case
    if c is None or w.duplicate or not (c.expert_teams & w.sender_teams):
        return []
    async with deps.db.read() as s:
        marked = (await s.execute(select(CaseExpert.team).where(
            CaseExpert.case_id == c.id, CaseExpert.responded_message_id == w.message.id))).first()
        if marked is None:
            return []
        case = await access_case(s, c.id)
        view = await case_view(s, case)
    return case_updated(view, case)


async def record_case_closed(s: AsyncSession, case_id: int, now: dt.datetime) -> None:
    """Resolving a case puts its expert requests on record (answered or not) for the reports."""
    await s.execute(update(CaseExpert).where(CaseExpert.case_id == case_id, CaseExpert.case_closed_at.is_(None))
                    .values(case_closed_at=now).execution_options(synchronize_session=False))
