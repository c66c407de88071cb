"""Monthly escalation report for admins: per route and per expert team, with the change from the
previous month. Months are calendar months in UTC; an escalation counts in the month it reached its
team (escalated_at), an expert request in the month it was made, a declined hand-off in the month the
requester answered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server.actions.access import enforce
from server.clock import UTC, iso
from server.deps import Deps
from server.errors import Invalid
from server.storage.facts import load_actor
from server.storage.models.escalation import DECLINED, CaseExpert, CaseFlag, Escalation

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """'2026-01' -> (start of Dec 2025, start of Jan 2026, start of Feb 2026), UTC."""
    m = _MONTH.match(month)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise Invalid("month must look like YYYY-MM", field="month")
    year, mon = int(m.group(1)), int(m.group(2))
    start = dt.datetime(year, mon, 1, tzinfo=UTC)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
    prev = dt.datetime(year - (mon == 1), (mon - 2) % 12 + 1, 1, tzinfo=UTC)
    return prev, start, end


async def _month_rows(s: AsyncSession, lo: dt.datetime, hi: dt.datetime) -> dict[str, list[Any]]:
    """Grouped counts of one month (one query per table; the report runs it for two months)."""
    return {
        "escalations": list((await s.execute(
            select(Escalation.route, Escalation.team, Escalation.priority, Escalation.target_met,
                   Escalation.status, Escalation.resolution_met, func.count())
            .where(Escalation.escalated_at >= lo, Escalation.escalated_at < hi)
            .group_by(Escalation.route, Escalation.team, Escalation.priority, Escalation.target_met,
                      Escalation.status, Escalation.resolution_met))).all()),
        "declined": list((await s.execute(
            select(Escalation.route, func.count())
            .where(Escalation.status == DECLINED, Escalation.answered_at >= lo, Escalation.answered_at < hi)
            .group_by(Escalation.route))).all()),
        "experts": list((await s.execute(
            select(CaseExpert.team, CaseExpert.responded_at.is_not(None), func.count())
            .where(CaseExpert.requested_at >= lo, CaseExpert.requested_at < hi)
            .group_by(CaseExpert.team, CaseExpert.responded_at.is_not(None)))).all()),
        "flags": list((await s.execute(
            select(CaseFlag.source, func.count())
            .where(CaseFlag.created_at >= lo, CaseFlag.created_at < hi)
            .group_by(CaseFlag.source))).all()),
    }


def _flat(rows: dict[bool, dict[str, list[Any]]], table: str) -> list[tuple[Any, ...]]:
    """(is_current_month, *row) for both months."""
    return [(current, *row) for current in (True, False) for row in rows[current][table]]


def _change(now: int, before: int) -> dict[str, Any]:
    return {"previous": before, "change": now - before,
            "change_pct": round(100.0 * (now - before) / before, 1) if before else None}


async def escalation_report(deps: Deps, actor_id: int, month: str | None) -> dict[str, Any]:
    clock_now = deps.clock.now()
    month = month or clock_now.strftime("%Y-%m")
    prev, start, end = month_bounds(month)
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, clock_now)
        decision = policy.can_view_escalation_reports(actor)
        enforce(decision)

        rows = {True: await _month_rows(s, start, end), False: await _month_rows(s, prev, start)}

    routes: dict[str, dict[str, Any]] = {
        r.name: {"route": r.name, "team": r.team} for r in deps.config.escalation.routes}
    counts: dict[tuple[str, bool], Counter[str]] = defaultdict(Counter)
    by_priority: dict[str, Counter[str]] = defaultdict(Counter)
    # route -> priority -> {"response"|"resolution": met / breached / open_or_none} (this month only)
    targets: dict[str, dict[str, dict[str, Counter[str]]]] = defaultdict(
        lambda: defaultdict(lambda: {"response": Counter(), "resolution": Counter()}))
    for current, route, team, priority, met, status, resolved_met, n in _flat(rows, "escalations"):
        routes.setdefault(route, {"route": route, "team": team})
        c = counts[(route, bool(current))]
        c["escalations"] += n
        c["target_met" if met is True else "target_missed" if met is False else "target_open_or_none"] += n
        if status == "resolved":
            c["resolved"] += n
        if current:
            by_priority[route][priority] += n
            t = targets[route][priority]
            t["response"][_verdict(met)] += n
            t["resolution"][_verdict(resolved_met)] += n
    for current, route, n in _flat(rows, "declined"):
        routes.setdefault(route, {"route": route, "team": None})
        counts[(route, bool(current))]["declined"] += n
    route_out = []
    for name, base in routes.items():
        cur, old = counts[(name, True)], counts[(name, False)]
        route_out.append({
            **base, "escalations": cur["escalations"], **_change(cur["escalations"], old["escalations"]),
            "by_priority": dict(by_priority[name]), "target_met": cur["target_met"],
            "target_missed": cur["target_missed"], "target_open_or_none": cur["target_open_or_none"],
            "resolved": cur["resolved"], "declined": cur["declined"], "previous_declined": old["declined"],
            "targets_by_priority": {p: _target_counts(t) for p, t in targets[name].items()},
        })
    totals_by_priority: dict[str, dict[str, Counter[str]]] = defaultdict(
        lambda: {"response": Counter(), "resolution": Counter()})
    for per_route in targets.values():
        for p, t in per_route.items():
            for which in ("response", "resolution"):
                totals_by_priority[p][which].update(t[which])

    experts: dict[str, dict[bool, Counter[str]]] = {
        t: {True: Counter(), False: Counter()} for t in deps.config.escalation.experts.teams}
    for current, team, responded, n in _flat(rows, "experts"):
        c = experts.setdefault(team, {True: Counter(), False: Counter()})[bool(current)]
        c["requests"] += n
        if responded:
            c["responded"] += n
    expert_out = [{"team": team, "requests": c[True]["requests"], **_change(c[True]["requests"], c[False]["requests"]),
                   "responded": c[True]["responded"], "previous_responded": c[False]["responded"]}
                  for team, c in experts.items()]

    flags: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for current, source, n in _flat(rows, "flags"):
        flags[bool(current)][source] += n
    total_now, total_before = sum(flags[True].values()), sum(flags[False].values())
    esc_now = sum(r["escalations"] for r in route_out)
    esc_before = sum(r["previous"] for r in route_out)
    return {
        "month": month, "previous_month": prev.strftime("%Y-%m"), "from": iso(start), "to": iso(end),
        "routes": route_out,
        "experts": expert_out,
        "personal_escalations": {"count": total_now, **_change(total_now, total_before),
                                 "auto": flags[True]["auto"], "manual": flags[True]["manual"]},
        "totals": {"escalations": esc_now, **_change(esc_now, esc_before)},
        # Response and resolution targets per priority over every route (escalated this month).
        "targets_by_priority": {p: _target_counts(t) for p, t in totals_by_priority.items()},
    }


def _verdict(met: bool | None) -> str:
    return "met" if met is True else "breached" if met is False else "open_or_none"


def _target_counts(t: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    return {which: {k: t[which][k] for k in ("met", "breached", "open_or_none")} for which in ("response", "resolution")}
