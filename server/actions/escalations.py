"""Escalation: hand a case to a route's team (config.yaml escalation.routes) with an internal note.

One escalation row per hand-off; it stays as the case's history (who, when, note, priority, target, met
or missed). The requester gets the route's holding reply (a system message) and never the note; the
team gets a card in its team room (a system message with meta, staff only since only staff are in team
rooms) and, once the case is `escalated`, may join the case room, chat and resolve it (policy
escalation_team_member). `escalated` is not `on_hold`, so the on-hold auto-close never touches it
(policy.autoclose_exempt says so explicitly).

Response targets: the first message by a team member in the case room (writer batch hook, same
transaction as the message) or the resolution is the response; run_once(deps, now) raises one
`sla_breach` alert per escalation whose target passed without one.

confirm_first routes (admissions): escalate only records a `pending_confirmation` row and asks the
requester; case.confirm_handoff by the requester completes the hand-off or declines it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import false, null, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions import alerts, experts
from server.actions.access import access_case, authorized_case, enforce
from server.actions.case_notes import alert, display_name, lock_case, post_note, send
from server.actions.case_views import case_updated, case_view, requester_view, transition
from server.actions.messages import system_emit
from server.actions.rooms import add_member
from server.actions.sensitive import refuse_sensitive_text
from server.clock import iso
from server.config_sections.escalation import Priority, Route
from server.deps import Deps
from server.errors import Conflict, Invalid
from server.message_writer import Written
from server.notify import Effect, Emit, Join, account_room, room_room, room_staff_room
from server.storage import audiences
from server.storage.facts import load_actor
from server.storage.messages import append_system_message
from server.storage.models import Account, Case, Message, Room, RoomMember
from server.storage.models.escalation import (
    CANCELLED,
    DECLINED,
    OPEN,
    PENDING,
    RESOLVED,
    CaseFlag,
    Escalation,
)
from server.views import person

log = logging.getLogger("livehelp.escalation")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


# --- views ------------------------------------------------------------------------------------------


def outcome(e: Escalation) -> str:
    """met | missed | no_target | pending (no response yet, or waiting for the requester) | not_escalated
    (the requester declined, or the question lapsed)."""
    if e.target_met is not None:
        return "met" if e.target_met else "missed"
    if e.status in (DECLINED, CANCELLED):
        return "not_escalated"
    if e.status in (OPEN, RESOLVED) and e.target_at is None:
        return "no_target"
    return "pending"


async def escalation_views(s: AsyncSession, rows: list[Escalation]) -> list[dict[str, Any]]:
    ids = {i for e in rows for i in (e.escalated_by, e.responded_by, e.resolved_by) if i is not None}
    people = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(ids)))).scalars()} if ids else {}

    def p(i: int | None) -> dict[str, Any] | None:
        return person(people.get(i)) if i is not None else None

    return [{
        "id": e.id, "case_id": e.case_id, "route": e.route, "team": e.team, "priority": e.priority,
        "category": e.category, "note": e.note, "checklist": list(e.checklist or []), "status": e.status,
        "escalated_by": p(e.escalated_by), "created_at": iso(e.created_at), "escalated_at": iso(e.escalated_at),
        "target_at": iso(e.target_at), "responded_at": iso(e.responded_at), "responded_by": p(e.responded_by),
        "target_met": e.target_met, "outcome": outcome(e), "breach_alerted_at": iso(e.breach_alerted_at),
        "paged_at": iso(e.paged_at), "answered_at": iso(e.answered_at), "resolved_at": iso(e.resolved_at),
        "resolved_by": p(e.resolved_by), "resolution_target_at": iso(e.resolution_target_at),
        "resolution_met": e.resolution_met, "resolution_alerted_at": iso(e.resolution_alerted_at),
    } for e in rows]


async def escalation_view(s: AsyncSession, e: Escalation) -> dict[str, Any]:
    return (await escalation_views(s, [e]))[0]


async def case_escalations(deps: Deps, actor_id: int, case_id: Any) -> list[dict[str, Any]]:
    """A case's escalation history (staff): every hand-off, pending, declined and resolved ones too."""
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        case = await access_case(s, case_id)
        enforce(policy.can_view_escalations(actor))
        rows = list((await s.execute(select(Escalation).where(Escalation.case_id == case.id)
                                     .order_by(Escalation.created_at, Escalation.id))).scalars())
        return await escalation_views(s, rows)


# --- team rooms -------------------------------------------------------------------------------------


async def ensure_team_room(s: AsyncSession, deps: Deps, route: Route, now: dt.datetime) -> tuple[int, list[Effect]]:
    """The route's team room (created if missing) with every account of the team as a member.

    Returns the room id and Join effects for accounts that just became members, so their connected
    sockets hear the room at once. Runs at start for every route and again before every card.
    """
    dialect = postgresql if deps.db.dialect == "postgresql" else sqlite
    await s.execute(dialect.insert(Room).values(
        kind="team", name=route.room, topic=route.description or f"Escalations: {route.name}", last_seq=0,
        created_by=None, created_at=now).on_conflict_do_nothing(index_elements=["name"]))
    room_id = (await s.execute(select(Room.id).where(Room.name == route.room))).scalar_one()
    present = set((await s.execute(select(RoomMember.account_id).where(RoomMember.room_id == room_id))).scalars())
    missing = [a for a in await audiences.team_members(s, route.team) if a not in present]
    if missing:
        await s.execute(dialect.insert(RoomMember).on_conflict_do_nothing(index_elements=["room_id", "account_id"]),
                        [dict(room_id=room_id, account_id=a, role="member", joined_at=now) for a in missing])
    return room_id, [Join(a, (room_room(room_id), room_staff_room(room_id))) for a in missing]


async def setup_team_rooms(deps: Deps) -> None:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        for route in deps.config.escalation.routes:
            await ensure_team_room(s, deps, route, now)


async def route_room_ids(s: AsyncSession, deps: Deps) -> dict[str, int]:
    names = [r.room for r in deps.config.escalation.routes]
    if not names:
        return {}
    by_name = dict((await s.execute(select(Room.name, Room.id).where(Room.name.in_(names)))).all())
    return {r.name: by_name[r.room] for r in deps.config.escalation.routes if r.room in by_name}


def route_dict(route: Route, room_id: int | None) -> dict[str, Any]:
    return {
        "name": route.name,
        "description": route.description,
        "team": route.team,
        "room": route.room,
        "room_id": room_id,
        "priorities": [p.name for p in route.priorities],
        "priority_details": [{"name": p.name, "target_seconds": p.target, "pages_on_call": p.page,
                              "resolution_target_seconds": p.resolution_target,
                              "checklist": list(route.checklist_for(p))} for p in route.priorities],
        "checklist": list(route.all_checklist_items()),
        "categories": list(route.categories),
        "confirm_first": route.confirm_first,
        "holding_reply": route.holding_reply,
    }


async def list_routes(deps: Deps, actor_id: int) -> tuple[dict[str, Any], list[Effect]]:
    """The routes for the escalate dialog; a caller in a route's team is (re)joined to its team room."""
    cfg = deps.config.escalation
    now = deps.clock.now()
    effects: list[Effect] = []
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        decision = policy.can_list_routes(actor)
        enforce(decision)
        rooms = await route_room_ids(s, deps)
        for route in cfg.routes:
            rid = rooms.get(route.name)
            if rid is not None and route.team in actor.teams and await add_member(s, rid, actor_id, "member", deps):
                effects.append(Join(actor_id, (room_room(rid), room_staff_room(rid))))
    answer = {"routes": [route_dict(r, rooms.get(r.name)) for r in cfg.routes], "experts": list(cfg.experts.teams)}
    return answer, effects


# --- validating an escalation -----------------------------------------------------------------------


def check_request(deps: Deps, route_name: str, priority: str, checklist: list[str], category: str | None
                  ) -> tuple[Route, Priority, list[str], str | None]:
    """Route, priority, category and checklist against config; Invalid naming what is wrong."""
    route = deps.config.escalation.route(route_name)
    if route is None:
        names = ", ".join(r.name for r in deps.config.escalation.routes) or "none configured"
        raise Invalid(f"unknown route {route_name!r}; routes: {names}", field="route")
    prio = route.priority(priority)
    if prio is None:
        raise Invalid(f"route {route.name} allows priorities {', '.join(p.name for p in route.priorities)}",
                      field="priority")
    chosen: str | None = None
    if route.categories:
        chosen = next((c for c in route.categories if category is not None and _norm(c) == _norm(category)), None)
        if chosen is None:
            raise Invalid(f"route {route.name} needs a category: one of {', '.join(route.categories)}",
                          field="category")
    elif category:
        raise Invalid(f"route {route.name} has no categories", field="category")
    known = {_norm(i): i for i in route.all_checklist_items()}
    unknown = [g for g in checklist if _norm(g) not in known]
    if unknown:
        raise Invalid(f"not on the checklist of route {route.name}: {'; '.join(unknown)}", field="checklist",
                      unknown=unknown)
    given = {_norm(g) for g in checklist}
    missing = [i for i in route.checklist_for(prio) if _norm(i) not in given]
    if missing:
        raise Invalid(f"confirm every checklist item for {prio.name} first; not confirmed: {'; '.join(missing)}",
                      field="checklist", missing=missing)
    confirmed = [known[n] for n in dict.fromkeys(_norm(g) for g in checklist)]
    return route, prio, confirmed, chosen


# --- escalating -------------------------------------------------------------------------------------


async def escalate_case(deps: Deps, actor_id: int, case_id: Any, route_name: str, note: str, priority: str,
                        checklist: list[str], category: str | None) -> tuple[dict[str, Any], list[Effect]]:
    route, prio, confirmed, category = check_request(deps, route_name, priority, checklist, category)
    refuse_sensitive_text(deps, note, "the escalation note", field="note")  # it is posted in the team room
    now = deps.clock.now()
    pages: list[dict[str, Any]] = []
    async with deps.db.transaction() as s:
        _, case, _ = await authorized_case(s, actor_id, case_id, now, policy.can_escalate_case)
        if not await lock_case(s, case.id, lifecycle.sources("escalate")):
            raise Conflict(f"a case that is {case.status} cannot be escalated")
        # A newer hand-off replaces a question the requester has not answered yet.
        await s.execute(update(Escalation).where(Escalation.case_id == case.id, Escalation.status == PENDING)
                        .values(status=CANCELLED).execution_options(synchronize_session=False))
        esc = Escalation(case_id=case.id, route=route.name, team=route.team, priority=prio.name, category=category,
                         note=note.strip(), checklist=confirmed, status=PENDING, escalated_by=actor_id,
                         created_at=now)
        s.add(esc)
        await s.flush()
        label = f"{route.name} ({prio.name}{', ' + category if category else ''})"
        if route.confirm_first:
            question = await append_system_message(
                s, case.room_id, route.confirm_question, now,
                {"event": "handoff_question", "case_id": case.id, "escalation_id": esc.id, "route": route.name,
                 "answers": ["accept", "decline"]})
            effects: list[Effect] = [
                system_emit(question),
                await post_note(s, case.room_id, actor_id,
                                f"Asked the requester to confirm the hand-off to {label}: {esc.note}", now,
                                {"event": "handoff_asked", "escalation_id": esc.id}),
            ]
            view = await case_view(s, case)
            effects += case_updated(view, case)
        else:
            effects = [await post_note(s, case.room_id, actor_id, f"Escalated to {label}: {esc.note}", now,
                                       {"event": "escalation_note", "escalation_id": esc.id})]
            more, pages = await do_escalate(s, deps, case, esc, now)
            effects += more
            view = await case_view(s, case)
        esc_view = await escalation_view(s, esc)
    _page_out(deps, pages)
    log.info("escalated" if not route.confirm_first else "hand-off asked",
             extra={"case_id": case.id, "route": route.name, "priority": prio.name})
    return {"case": view, "escalation": esc_view}, effects


async def do_escalate(s: AsyncSession, deps: Deps, case: Case, esc: Escalation, now: dt.datetime
                      ) -> tuple[list[Effect], list[dict[str, Any]]]:
    """Move the case to `escalated` for the escalation row `esc` (no checks): holding reply, team card,
    alerts, on-call page. Returns the effects and the pages for the pager webhook."""
    cfg = deps.config.escalation
    route = cfg.route(esc.route)
    assert route is not None
    prio = route.priority(esc.priority)
    assert prio is not None
    await transition(s, case, "escalate", {"route": route.name, "priority": prio.name, "on_hold_since": None,
                                            "last_activity_at": now})
    esc.status = OPEN
    esc.escalated_at = now
    esc.target_at = now + dt.timedelta(seconds=prio.target) if prio.target is not None else None
    esc.resolution_target_at = (now + dt.timedelta(seconds=prio.resolution_target)
                                if prio.resolution_target is not None else None)
    holding = await append_system_message(s, case.room_id, route.holding_reply, now,
                                          {"event": "escalated", "route": route.name})
    effects: list[Effect] = [system_emit(holding)]

    team_room_id, joins = await ensure_team_room(s, deps, route, now)
    effects += joins
    by = person(await s.get(Account, esc.escalated_by)) if esc.escalated_by else None
    requester = await s.get(Account, case.requester_id)
    info = {
        "case_id": case.id, "room_id": case.room_id, "escalation_id": esc.id, "route": route.name,
        "team": route.team, "team_room_id": team_room_id, "priority": prio.name, "category": esc.category,
        "note": esc.note, "by": by, "topic": case.topic,
        "requester": requester.display_name if requester is not None else None,
        "target_at": iso(esc.target_at), "resolution_target_at": iso(esc.resolution_target_at),
        "case_link": cfg.link(case.id),
    }
    who = by["display_name"] if by else "someone"
    target = f"respond by {iso(esc.target_at)}" if esc.target_at else "no response target"
    if esc.resolution_target_at is not None:
        target += f", resolve by {iso(esc.resolution_target_at)}"
    card_text = (f"Case #{case.id} escalated to {route.name} by {who}: priority {prio.name}"
                 f"{', ' + esc.category if esc.category else ''} ({target}). Note: {esc.note}")
    card = await append_system_message(s, team_room_id, card_text, now, {"event": "escalation", **info})
    effects.append(system_emit(card))

    team_ids = await audiences.team_members(s, route.team)
    # The one who escalated is not alerted of their own act (they may sit in the route's team).
    told = {a for a in await audiences.resolve(s, route.alert, now, route_team=route.team) if a != esc.escalated_by}
    effects += alert({"kind": "escalation", **info, "message": card_text, "created_at": iso(now)}, told)
    pages: list[dict[str, Any]] = []
    if prio.page:
        on_call = await audiences.resolve(s, route.on_call if route.on_call is not None else cfg.on_call, now,
                                          route_team=route.team)
        page = {"kind": "blocker", **info, "created_at": iso(now),
                "message": f"{prio.name.title()} on case #{case.id}"
                           f"{' (' + esc.category + ')' if esc.category else ''}: {esc.note}"}
        effects += alert(page, on_call)
        esc.paged_at = now
        if not on_call:
            log.warning("blocker page reached nobody: no on-call accounts", extra={"case_id": case.id})
        pages.append(page)
    await s.flush()
    view = await case_view(s, case)
    effects += case_updated(view, case)
    if team_ids:
        effects.append(Emit("case.updated", view, tuple(account_room(a) for a in team_ids)))
    # Stored in this transaction: the card, the team's alert and the page are as durable as the hand-off.
    return await alerts.store(s, deps, effects, now), pages


def _page_out(deps: Deps, pages: list[dict[str, Any]]) -> None:
    """POST each page to the pager webhook after commit, in the background (a slow pager never delays)."""
    url = deps.config.escalation.pager_webhook
    if not url or not pages:
        return
    for page in pages:
        deps.spawn(deps.pager.post(url, page), name="pager-post")


# --- the requester's answer (confirm_first routes) --------------------------------------------------


async def confirm_handoff(deps: Deps, actor_id: int, case_id: Any, accept: bool) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    pages: list[dict[str, Any]] = []
    async with deps.db.transaction() as s:
        _, case, _ = await authorized_case(s, actor_id, case_id, now, policy.can_confirm_handoff)
        esc = (await s.execute(select(Escalation).where(Escalation.case_id == case.id, Escalation.status == PENDING)
                               .order_by(Escalation.id.desc()).limit(1))).scalar_one_or_none()
        if esc is None:
            raise Conflict("no hand-off is waiting for your answer")
        answered = await s.execute(update(Escalation).where(Escalation.id == esc.id, Escalation.status == PENDING)
                                   .values(answered_at=now, status=OPEN if accept else DECLINED)
                                   .execution_options(synchronize_session=False))
        if answered.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("this hand-off was already answered")
        await s.refresh(esc)
        route_label = esc.route
        if accept:
            if deps.config.escalation.route(esc.route) is None:
                raise Conflict("that route no longer exists; your helper will come back to you")
            effects: list[Effect] = [await post_note(
                s, case.room_id, None, f"The requester accepted the hand-off to {route_label}.", now,
                {"event": "handoff_accepted", "escalation_id": esc.id})]
            more, pages = await do_escalate(s, deps, case, esc, now)
            effects += more
        else:
            helper = case.helper_id or case.trainee_id
            name = await display_name(s, helper) if helper else "We"
            reply = await append_system_message(
                s, case.room_id, f"Understood. {name} will keep helping you here.", now,
                {"event": "handoff_declined", "escalation_id": esc.id})
            effects = [system_emit(reply), await post_note(
                s, case.room_id, None, f"The requester declined the hand-off to {route_label}.", now,
                {"event": "handoff_declined", "escalation_id": esc.id})]
            effects += case_updated(await case_view(s, case), case)
        view = await case_view(s, case)
    _page_out(deps, pages)
    return {"case": requester_view(view)}, effects


# --- responses, resolution, response targets --------------------------------------------------------


async def mark_responses(session: AsyncSession, written: list[Written], now: dt.datetime) -> None:
    """Writer batch hook: the team's first message answers the escalation; an expert's, the expert request.

    Runs in the batch transaction, so a response is recorded exactly when its message is stored.
    """
    for w in written:
        c = w.case
        if c is None or not c.is_open or w.duplicate:
            continue
        sender_id = w.message.sender_id
        if sender_id is None or sender_id == c.requester_id:
            continue
        # Only what the requester can see answers them: a whisper or note (an expert's included) is staff
        # talk, never the escalation's first response.
        if c.status == lifecycle.ESCALATED and c.escalation_team in w.sender_teams and w.message.kind == "chat":
            await session.execute(
                update(Escalation).where(Escalation.case_id == c.id, Escalation.status == OPEN,
                                         Escalation.responded_at.is_(None))
                .values(responded_at=now, responded_by=sender_id, responded_message_id=w.message.id,
                        target_met=_met_by(now))
                .execution_options(synchronize_session=False))
        if c.expert_teams & w.sender_teams:

            await experts.mark_responded(session, c, w, now)


def _resolved_by(now: dt.datetime) -> Any:
    """SQL: keep a decided resolution_met, NULL with no resolution target, else whether `now` is in time."""
    return sql_case((Escalation.resolution_met.is_not(None), Escalation.resolution_met),
                    (Escalation.resolution_target_at.is_(None), null()),
                    (Escalation.resolution_target_at >= now, true()), else_=false())


def _met_by(now: dt.datetime) -> Any:
    """SQL: keep a decided target_met, NULL when there is no target, else whether `now` is in time."""
    return sql_case((Escalation.target_met.is_not(None), Escalation.target_met),
                    (Escalation.target_at.is_(None), null()),
                    (Escalation.target_at >= now, true()), else_=false())


async def on_case_transition(s: AsyncSession, deps: Deps, case: Case, action: str, actor_id: int | None,
                             now: dt.datetime) -> list[Effect]:
    """Deps.on_case_transition: a resolution closes the open escalation (the resolution counts as the
    response if the team had not answered); any closing (resolve, auto-close, abandon) records the expert
    requests and lets pending questions lapse at once."""
    if lifecycle.target(action) not in lifecycle.CLOSED:
        return []

    await s.execute(update(Escalation).where(Escalation.case_id == case.id, Escalation.status == PENDING)
                    .values(status=CANCELLED).execution_options(synchronize_session=False))
    await experts.record_case_closed(s, case.id, now)
    esc = (await s.execute(select(Escalation).where(Escalation.case_id == case.id, Escalation.status == OPEN)
                           )).scalar_one_or_none()
    if esc is None:
        return []
    await s.execute(update(Escalation).where(Escalation.id == esc.id).values(
        status=RESOLVED, resolved_at=now, resolved_by=actor_id,
        responded_by=sql_case((Escalation.responded_at.is_(None), actor_id), else_=Escalation.responded_by),
        target_met=_met_by(now),
        responded_at=sql_case((Escalation.responded_at.is_(None), now), else_=Escalation.responded_at),
        resolution_met=_resolved_by(now),
    ).execution_options(synchronize_session=False))
    await s.refresh(esc)
    route = deps.config.escalation.route(esc.route)
    if route is None:
        return []
    room_id, joins = await ensure_team_room(s, deps, route, now)
    verdict = {"met": "response target met", "missed": "response target missed"}.get(outcome(esc), "no response target")
    msg = await append_system_message(
        s, room_id, f"Case #{case.id} was resolved by {await display_name(s, actor_id)} ({verdict}).", now,
        {"event": "escalation_resolved", "case_id": case.id, "escalation_id": esc.id, "outcome": outcome(esc)})
    return [*joins, system_emit(msg)]


async def run_once(deps: Deps, now: dt.datetime) -> dict[str, list[int]]:
    """One pass of the response-target job: one `sla_breach` alert per escalation whose target passed
    with no response from its team; hand-off questions on cases that closed meanwhile lapse.

    Plain and idempotent (breach_alerted_at is set by a conditional update), so tests call it with the
    FakeClock and several processes may run it.
    """
    done: dict[str, list[int]] = {"breached": [], "lapsed": []}
    effects: list[Effect] = []
    async with deps.db.transaction() as s:
        due = list((await s.execute(
            select(Escalation, Case).join(Case, Case.id == Escalation.case_id)
            .where(Escalation.status == OPEN, Escalation.target_at.is_not(None), Escalation.target_at <= now,
                   Escalation.responded_at.is_(None), Escalation.breach_alerted_at.is_(None))
            .order_by(Escalation.target_at))).all())
        for esc, case in due:
            claimed = await s.execute(update(Escalation).where(
                Escalation.id == esc.id, Escalation.breach_alerted_at.is_(None), Escalation.responded_at.is_(None))
                .values(breach_alerted_at=now, target_met=False).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            assert esc.target_at is not None and esc.escalated_at is not None
            text = (f"Case #{case.id} ({esc.route}, {esc.priority}) has had no response from {esc.team} since "
                    f"{iso(esc.escalated_at)}; the target was {iso(esc.target_at)}.")
            payload = _breach_payload(deps, esc, case, "escalation_response", "target_at", esc.target_at, text, now)
            effects += await _announce_breach(s, deps, esc, case, payload, f"Response target missed: {text}", now)
            done["breached"].append(esc.id)
        effects += await _resolution_breaches(s, deps, now, done)
        effects = await alerts.store(s, deps, effects, now)
        lapsed = (await s.execute(
            update(Escalation).where(Escalation.status == PENDING, Escalation.case_id.in_(
                select(Case.id).where(Case.status.in_(list(lifecycle.CLOSED)))))
            .values(status=CANCELLED).returning(Escalation.id).execution_options(synchronize_session=False))).all()
        done["lapsed"] = [r[0] for r in lapsed]
    if done["breached"] or done["resolution_breached"]:
        log.info("escalation targets missed", extra={"count": len(done["breached"]),
                                                     "resolution": len(done["resolution_breached"])})
    await send(deps, effects)
    return done


def _breach_payload(deps: Deps, esc: Escalation, case: Case, sla: str, target_key: str, target_at: dt.datetime,
                    text: str, now: dt.datetime) -> dict[str, Any]:
    """The `sla_breach` alert of a missed response or resolution target (they differ in the target's key)."""
    return {"kind": "sla_breach", "sla": sla, "case_id": case.id, "room_id": case.room_id, "escalation_id": esc.id,
            "route": esc.route, "team": esc.team, "priority": esc.priority, "category": esc.category,
            "escalated_at": iso(esc.escalated_at), target_key: iso(target_at),
            "overdue_seconds": int((now - target_at).total_seconds()),
            "case_link": deps.config.escalation.link(case.id), "message": text, "created_at": iso(now)}


async def _announce_breach(s: AsyncSession, deps: Deps, esc: Escalation, case: Case, payload: dict[str, Any],
                           line: str, now: dt.datetime) -> list[Effect]:
    """A missed target: the alert to the route's alert audience (else the team), and the line in the
    team room."""
    route = deps.config.escalation.route(esc.route)
    targets = await audiences.resolve(s, route.alert if route else ("team",), now, route_team=esc.team)
    if not targets:
        targets = set(await audiences.team_members(s, esc.team))
    effects = alert(payload, targets)
    if route is not None:
        room_id, joins = await ensure_team_room(s, deps, route, now)
        msg = await append_system_message(s, room_id, line, now,
                                          {"event": "sla_breach", "case_id": case.id, "escalation_id": esc.id})
        effects += [*joins, system_emit(msg)]
    return effects


async def _resolution_breaches(s: AsyncSession, deps: Deps, now: dt.datetime, done: dict[str, list[int]]
                               ) -> list[Effect]:
    """One `sla_breach` {"sla": "escalation_resolution"} per open escalation whose resolution target passed,
    to the same people as a missed response (stored by the caller, so the sla_breach chain runs)."""
    effects: list[Effect] = []
    done["resolution_breached"] = []
    due = list((await s.execute(
        select(Escalation, Case).join(Case, Case.id == Escalation.case_id)
        .where(Escalation.status == OPEN, Escalation.resolution_target_at.is_not(None),
               Escalation.resolution_target_at <= now, Escalation.resolution_alerted_at.is_(None))
        .order_by(Escalation.resolution_target_at))).all())
    for esc, case in due:
        claimed = await s.execute(update(Escalation).where(
            Escalation.id == esc.id, Escalation.status == OPEN, Escalation.resolution_alerted_at.is_(None))
            .values(resolution_alerted_at=now, resolution_met=False).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        assert esc.resolution_target_at is not None and esc.escalated_at is not None
        text = (f"Case #{case.id} ({esc.route}, {esc.priority}) is not resolved; it reached {esc.team} at "
                f"{iso(esc.escalated_at)} and the resolution target was {iso(esc.resolution_target_at)}.")
        payload = _breach_payload(deps, esc, case, "escalation_resolution", "resolution_target_at",
                                  esc.resolution_target_at, text, now)
        effects += await _announce_breach(s, deps, esc, case, payload, f"Resolution target missed: {text}", now)
        done["resolution_breached"].append(esc.id)
    return effects


# --- retention: this area's per-case free text ------------------------------------------------------

TEAM_ROOM_CASE_EVENTS = frozenset({"escalation", "escalation_resolved", "sla_breach"})


async def purge_case_text(s: AsyncSession, case_id: int, dry_run: bool) -> int:
    """retention.case_purgers hook: when a case's whole transcript goes (guest transcripts, erasure), so do
    the free text and names this area copied out of it: escalation notes, personal-escalation notes and
    matched phrases, and the team-room messages about the case (the card quotes the note and names the
    requester). Rows, seq and times stay; returns how many items were (or would be) cleared."""

    notes = [Escalation.case_id == case_id, Escalation.note != ""]
    flags = [CaseFlag.case_id == case_id, (CaseFlag.note.is_not(None)) | (CaseFlag.matched.is_not(None))]
    life = (await s.execute(select(Case.created_at, Case.closed_at).where(Case.id == case_id))).first()
    team_msgs: list[Message] = []
    if life is not None:
        # Only the case's own lifetime can hold its cards (posted from escalation to resolution).
        window = [Message.created_at >= life.created_at]
        if life.closed_at is not None:
            window.append(Message.created_at <= life.closed_at)
        candidates = (await s.execute(select(Message).join(Room, Room.id == Message.room_id).where(
            Room.kind == "team", Message.kind == "system", Message.purged.is_(False),
            Message.meta.is_not(None), *window))).scalars()
        team_msgs = [m for m in candidates if isinstance(m.meta, dict) and m.meta.get("case_id") == case_id
                     and m.meta.get("event") in TEAM_ROOM_CASE_EVENTS]
    if dry_run:
        n_notes = len((await s.execute(select(Escalation.id).where(*notes))).all())
        n_flags = len((await s.execute(select(CaseFlag.id).where(*flags))).all())
        return n_notes + n_flags + len(team_msgs)
    n_notes = (await s.execute(update(Escalation).where(*notes).values(note="")
                               .execution_options(synchronize_session=False))).rowcount  # type: ignore[attr-defined]
    n_flags = (await s.execute(update(CaseFlag).where(*flags).values(note=None, matched=None)
                               .execution_options(synchronize_session=False))).rowcount  # type: ignore[attr-defined]
    for m in team_msgs:
        assert isinstance(m.meta, dict)
        keep = {k: m.meta[k] for k in ("event", "case_id", "escalation_id") if k in m.meta}
        await s.execute(update(Message).where(Message.id == m.id)
                        .values(body=None, body_sealed=None, purged=True, meta=keep)
                        .execution_options(synchronize_session=False))
    return int(n_notes) + int(n_flags) + len(team_msgs)
