"""Cycle reports (issue 15): per agent and per team, for a calendar month or any from/to dates, each
figure with the previous period's value and the change.

Where each figure comes from (all recorded in the same transaction as the act itself):
- taken / resolved / transferred: the case room's server-written messages, whose `meta.event` names the
  act and its actor (`claimed` by, `takeover` by, `transfer` sent by / `to`, `resolve` by). Retention
  keeps every message row with its meta (only bodies go), so past periods stay true after purges.
- escalated: escalations.escalated_by at escalated_at (a hand-off the requester declined never escalated).
- first response: cases.first_response_at; it is credited to the sender of the first non-requester `chat`
  in the room (the one that set it). Measured from the case's creation, as the SLA job measures it.
- resolution time: from the case's creation to its resolve event, credited to whoever resolved it.
- duty hours: duty_spells (recorded from migration 0011 on); scheduled hours: the shifts calendar.
- expert requests: case_experts (requested_by / responded_by); vouches: the vouches table.
Requesters are never rows: an act whose actor is the case's own requester is not counted, and guests are
left out. Who sees which rows is roles/policy.py's cycle_report_scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import STAFF_ROLES
from server.actions.access import enforce
from server.actions.reports import month_bounds
from server.clock import UTC, iso
from server.deps import Deps
from server.errors import Invalid
from server.storage import duty
from server.storage.facts import load_actor, roles_and_teams
from server.storage.models import Account, AccountRole, Case, Message
from server.storage.models.escalation import CaseExpert, Escalation
from server.storage.models.helpdesk import DutySpell
from server.storage.models.roles import Vouch

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_DAYS = 366
EVENTS = ("claimed", "takeover", "transfer", "resolve")

# Every figure, in the order of the CSV columns (docs/protocol.md says what each one means).
FIELDS = (
    "taken", "resolved", "transferred", "escalated",
    "first_responses", "first_response_p50_seconds", "first_response_p90_seconds",
    "first_response_within_goal_pct",
    "resolution_p50_seconds", "resolution_p90_seconds",
    "duty_hours", "scheduled_hours",
    "expert_requests_made", "expert_requests_made_answered", "expert_requests_answered",
    "vouches_given", "vouches_received",
)


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime
    end: dt.datetime
    prev_start: dt.datetime

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return self.prev_start, self.end


def _date(raw: str, name: str) -> dt.datetime:
    m = _DATE.match(raw)
    try:
        if not m:
            raise ValueError
        return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
    except ValueError:
        raise Invalid(f"'{name}' must be a date like 2026-01-31", field=name) from None


def parse_period(month: str | None, from_: str | None, to: str | None, now: dt.datetime) -> Period:
    """A calendar month (default: the current one; previous = the month before), or from/to dates, both
    included (previous = the same number of days just before)."""
    if from_ is not None or to is not None:
        if month is not None:
            raise Invalid("give either 'month' or 'from' and 'to'", field="month")
        if from_ is None or to is None:
            raise Invalid("give both 'from' and 'to'", field="from" if from_ is None else "to")
        start, end = _date(from_, "from"), _date(to, "to") + dt.timedelta(days=1)
        if end <= start:
            raise Invalid("'to' must not be before 'from'", field="to")
        if end - start > dt.timedelta(days=MAX_DAYS):
            raise Invalid(f"a report covers at most {MAX_DAYS} days", field="to")
        return Period(f"{from_}..{to}", start, end, start - (end - start))
    month = month or now.strftime("%Y-%m")
    prev, start, end = month_bounds(month)
    return Period(month, start, end, prev)


# --- tallies ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """One agent's (or a team's pooled) raw facts for one period, keyed so pooling never counts twice."""

    taken: set[int] = field(default_factory=set)
    resolved: set[int] = field(default_factory=set)
    transferred: set[int] = field(default_factory=set)
    escalated: set[int] = field(default_factory=set)
    first_responses: dict[int, float] = field(default_factory=dict)           # case id -> seconds
    resolutions: dict[tuple[int, dt.datetime], float] = field(default_factory=dict)
    duty_seconds: float = 0.0
    scheduled_seconds: float = 0.0
    experts_made: set[tuple[int, str]] = field(default_factory=set)
    experts_made_answered: set[tuple[int, str]] = field(default_factory=set)
    experts_answered: set[tuple[int, str]] = field(default_factory=set)
    vouches_given: set[int] = field(default_factory=set)
    vouches_received: set[int] = field(default_factory=set)

    def merge(self, other: Tally) -> None:
        for name in ("taken", "resolved", "transferred", "escalated", "experts_made", "experts_made_answered",
                     "experts_answered", "vouches_given", "vouches_received"):
            getattr(self, name).update(getattr(other, name))
        self.first_responses.update(other.first_responses)
        self.resolutions.update(other.resolutions)
        self.duty_seconds += other.duty_seconds
        self.scheduled_seconds += other.scheduled_seconds


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest rank: the smallest value with at least q of the values at or below it (None when empty)."""
    xs = sorted(values)
    if not xs:
        return None
    return round(xs[max(1, math.ceil(q * len(xs))) - 1], 1)


def figures(t: Tally, goal: float) -> dict[str, int | float | None]:
    fr = list(t.first_responses.values())
    res = list(t.resolutions.values())
    return {
        "taken": len(t.taken), "resolved": len(t.resolved), "transferred": len(t.transferred),
        "escalated": len(t.escalated),
        "first_responses": len(fr),
        "first_response_p50_seconds": percentile(fr, 0.5), "first_response_p90_seconds": percentile(fr, 0.9),
        "first_response_within_goal_pct": round(100.0 * sum(1 for x in fr if x <= goal) / len(fr), 1) if fr else None,
        "resolution_p50_seconds": percentile(res, 0.5), "resolution_p90_seconds": percentile(res, 0.9),
        "duty_hours": round(t.duty_seconds / 3600, 2), "scheduled_hours": round(t.scheduled_seconds / 3600, 2),
        "expert_requests_made": len(t.experts_made), "expert_requests_made_answered": len(t.experts_made_answered),
        "expert_requests_answered": len(t.experts_answered),
        "vouches_given": len(t.vouches_given), "vouches_received": len(t.vouches_received),
    }


def with_change(now: dict[str, Any], before: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in FIELDS:
        a, b = now[name], before[name]
        change = None if a is None or b is None else round(a - b, 2)
        out[name] = {"value": a, "previous": b, "change": change}
    return out


def _overlap(a: dt.datetime, b: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    lo, hi = max(a, lo), min(b, hi)
    return (lo, hi) if lo < hi else None


def _union_seconds(spans: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Length of the union of intervals (two overlapping shifts are not hours twice)."""
    total, end = 0.0, None
    for a, b in sorted(spans):
        if end is not None and a < end:
            if b > end:
                total += (b - end).total_seconds()
                end = b
            continue
        total += (b - a).total_seconds()
        end = b
    return total


# --- loading ----------------------------------------------------------------------------------------


class _Collector:
    def __init__(self, period: Period) -> None:
        self.period = period
        self.tallies: dict[tuple[int, bool], Tally] = {}

    def inside(self, when: dt.datetime) -> bool:
        return self.period.prev_start <= when < self.period.end

    def at(self, account_id: int, when: dt.datetime) -> Tally:
        """The account's tally for the period `when` falls in (callers query inside the window)."""
        return self.tallies.setdefault((account_id, when >= self.period.start), Tally())

    def tally(self, account_id: int, current: bool) -> Tally:
        return self.tallies.setdefault((account_id, current), Tally())


def _staff_actor(raw: Any, requester_id: int) -> int | None:
    """The acting account, unless it is missing or the case's own requester (never in a report)."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw != requester_id else None


async def _case_events(s: AsyncSession, c: _Collector) -> None:
    lo, hi = c.period.window
    event = Message.meta["event"].as_string()
    rows = (await s.execute(
        select(Case.id, Case.requester_id, Case.created_at, Message.sender_id, Message.meta, Message.created_at)
        .join(Case, Case.room_id == Message.room_id)
        .where(Message.kind.in_(("system", "note")), Message.created_at >= lo, Message.created_at < hi,
               event.in_(EVENTS)))).all()
    for case_id, requester_id, created_at, sender_id, meta, when in rows:
        meta = meta or {}
        kind = meta.get("event")
        if kind in ("claimed", "takeover") and (by := _staff_actor(meta.get("by"), requester_id)) is not None:
            c.at(by, when).taken.add(case_id)
        elif kind == "transfer":
            if (by := _staff_actor(sender_id, requester_id)) is not None:
                c.at(by, when).transferred.add(case_id)
            if (to := _staff_actor(meta.get("to"), requester_id)) is not None:
                c.at(to, when).taken.add(case_id)
        elif kind == "resolve" and (by := _staff_actor(meta.get("by"), requester_id)) is not None:
            t = c.at(by, when)
            t.resolved.add(case_id)
            t.resolutions[(case_id, when)] = (when - created_at).total_seconds()


async def _first_responses(s: AsyncSession, c: _Collector) -> None:
    """Each case answered in the window, credited to the first non-requester `chat` at or before its
    first_response_at (only the few messages before the answer are read, not whole conversations)."""
    lo, hi = c.period.window
    seen: set[int] = set()
    for case_id, created_at, first, sender_id in (await s.execute(
            select(Case.id, Case.created_at, Case.first_response_at, Message.sender_id)
            .join(Message, Message.room_id == Case.room_id)
            .where(Case.first_response_at >= lo, Case.first_response_at < hi, Message.kind == "chat",
                   Message.sender_id.is_not(None), Message.sender_id != Case.requester_id,
                   Message.created_at <= Case.first_response_at)
            .order_by(Case.id, Message.seq))).all():
        if case_id in seen or first is None or sender_id is None:
            continue
        seen.add(case_id)
        c.at(sender_id, first).first_responses[case_id] = (first - created_at).total_seconds()


async def _escalations_experts_vouches(s: AsyncSession, c: _Collector) -> None:
    lo, hi = c.period.window
    for esc_id, by, when in (await s.execute(
            select(Escalation.id, Escalation.escalated_by, Escalation.escalated_at)
            .where(Escalation.escalated_at >= lo, Escalation.escalated_at < hi,
                   Escalation.escalated_by.is_not(None)))).all():
        if by is not None and when is not None:
            c.at(by, when).escalated.add(esc_id)
    for case_id, team, by, requested_at, responder, responded_at in (await s.execute(
            select(CaseExpert.case_id, CaseExpert.team, CaseExpert.requested_by, CaseExpert.requested_at,
                   CaseExpert.responded_by, CaseExpert.responded_at)
            .where(or_(CaseExpert.requested_at.between(lo, hi), CaseExpert.responded_at.between(lo, hi))))).all():
        key = (case_id, team)
        if by is not None and c.inside(requested_at):
            c.at(by, requested_at).experts_made.add(key)
            if responded_at is not None:
                c.at(by, requested_at).experts_made_answered.add(key)
        if responder is not None and responded_at is not None and c.inside(responded_at):
            c.at(responder, responded_at).experts_answered.add(key)
    for vouch_id, voucher, trainee, when in (await s.execute(
            select(Vouch.id, Vouch.voucher_id, Vouch.trainee_id, Vouch.created_at)
            .where(Vouch.created_at >= lo, Vouch.created_at < hi))).all():
        if voucher is not None:
            c.at(voucher, when).vouches_given.add(vouch_id)
        c.at(trainee, when).vouches_received.add(vouch_id)


async def _hours(s: AsyncSession, c: _Collector, now: dt.datetime) -> None:
    p = c.period
    lo, hi = p.window
    halves = ((False, p.prev_start, p.start), (True, p.start, p.end))
    duty_spans: dict[tuple[int, bool], list[tuple[dt.datetime, dt.datetime]]] = {}
    for account_id, a, b in (await s.execute(
            select(DutySpell.account_id, DutySpell.started_at, DutySpell.ended_at)
            .where(DutySpell.started_at < hi, or_(DutySpell.ended_at.is_(None), DutySpell.ended_at > lo)))).all():
        for current, h_lo, h_hi in halves:
            if (span := _overlap(a, b or now, h_lo, min(h_hi, now))) is not None:
                duty_spans.setdefault((account_id, current), []).append(span)
    shift_spans: dict[tuple[int, bool], list[tuple[dt.datetime, dt.datetime]]] = {}
    for shift in await duty.shifts_overlapping(s, lo, hi):
        for current, h_lo, h_hi in halves:
            for a, b in duty.occurrences(shift, h_lo, h_hi):
                if (span := _overlap(a, b, h_lo, h_hi)) is not None:
                    shift_spans.setdefault((shift.account_id, current), []).append(span)
    for (account_id, current), spans in duty_spans.items():
        c.tally(account_id, current).duty_seconds = _union_seconds(spans)
    for (account_id, current), spans in shift_spans.items():
        c.tally(account_id, current).scheduled_seconds = _union_seconds(spans)


# --- the report -------------------------------------------------------------------------------------


async def cycle_report(deps: Deps, actor_id: int, month: str | None = None, from_: str | None = None,
                       to: str | None = None) -> dict[str, Any]:
    now = deps.clock.now()
    period = parse_period(month, from_, to, now)
    goal = deps.config.helpdesk.sla.first_response_goal
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, now)
        enforce(policy.can_view_cycle_report(actor))
        everyone = policy.cycle_report_scope(actor) == "all"
        c = _Collector(period)
        await _case_events(s, c)
        await _first_responses(s, c)
        await _escalations_experts_vouches(s, c)
        await _hours(s, c, now)
        if everyone:
            staff = {r[0] for r in (await s.execute(
                select(AccountRole.account_id).where(AccountRole.role.in_(sorted(STAFF_ROLES))).distinct())).all()}
            ids = staff | {aid for aid, _ in c.tallies}
        else:
            ids = {actor_id}
        people = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(sorted(ids))))).scalars()
                  if not a.is_guest}
        _, teams = await roles_and_teams(s, people)

    def pair(tallies: list[tuple[Tally, Tally]]) -> dict[str, dict[str, Any]]:
        cur, old = Tally(), Tally()
        for a, b in tallies:
            cur.merge(a)
            old.merge(b)
        return with_change(figures(cur, goal), figures(old, goal))

    def of(aid: int) -> tuple[Tally, Tally]:
        return c.tally(aid, True), c.tally(aid, False)

    ordered = sorted(people.values(), key=lambda a: ((a.display_name or "").lower(), a.id))
    agents = [{"account": {"id": a.id, "username": a.username, "display_name": a.display_name},
               "teams": sorted(teams.get(a.id, ())), "figures": pair([of(a.id)])} for a in ordered]
    out: dict[str, Any] = {
        "period": {"label": period.label, "from": iso(period.start), "to": iso(period.end)},
        "previous_period": {"from": iso(period.prev_start), "to": iso(period.start)},
        "first_response_goal_seconds": goal,
        "scope": "all" if everyone else "own",
        "fields": list(FIELDS),
        "agents": agents,
        "teams": [],
        "totals": None,
    }
    if everyone:
        names = sorted(set(deps.config.roles.teams) | {t for ts in teams.values() for t in ts})
        out["teams"] = [{"team": name, "members": len(members), "figures": pair([of(aid) for aid in members])}
                        for name in names
                        for members in [[a.id for a in ordered if name in teams.get(a.id, ())]]]
        out["totals"] = {"agents": len(ordered), "figures": pair([of(a.id) for a in ordered])}
    return out


# --- CSV --------------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """How a JSON value is written in the CSV (the test holds the two to this)."""
    return "" if value is None else str(value)


def to_csv(report: dict[str, Any]) -> str:
    head = ["scope", "account_id", "username", "display_name", "team", "members"]
    for name in FIELDS:
        head += [name, f"{name}_previous", f"{name}_change"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)

    def cells(figs: dict[str, dict[str, Any]]) -> list[str]:
        return [csv_cell(figs[n][k]) for n in FIELDS for k in ("value", "previous", "change")]

    for a in report["agents"]:
        acc = a["account"]
        w.writerow(["agent", acc["id"], csv_cell(acc["username"]), acc["display_name"], ";".join(a["teams"]), "",
                    *cells(a["figures"])])
    for t in report["teams"]:
        w.writerow(["team", "", "", "", t["team"], t["members"], *cells(t["figures"])])
    if report["totals"] is not None:
        w.writerow(["total", "", "", "", "", report["totals"]["agents"], *cells(report["totals"]["figures"])])
    return buf.getvalue()
