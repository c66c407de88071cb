"""Staff shifts and the coverage report: which hours have nobody scheduled.

Admins keep everyone's shifts and read the coverage; each helper, trainee and monitor keeps their own
("My shifts" in the console): lists, adds, changes and removes them (policy.can_edit_shift).

A shift is [starts_at, ends_at) in UTC, once or weekly (repeats every 7 days from starts_at, until
`until`). Weekly recurrence is there because rotas are weekly: a 24/7 plan is a week of shifts entered
once, not re-entered every week; one-off shifts cover holidays and swaps. Being inside a shift makes
someone on duty (server/storage/duty.py) exactly like the duty.set toggle.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import Actor
from server.actions.access import enforce
from server.actions.queue import serving_accounts
from server.clock import iso
from server.deps import Deps
from server.errors import Invalid, NotFound
from server.storage import duty
from server.storage.facts import load_actor, roles_and_teams
from server.storage.models import Account, AccountRole
from server.storage.models.helpdesk import Shift

MAX_ONE_OFF = dt.timedelta(days=31)
MAX_WINDOW = dt.timedelta(days=62)
HOUR = dt.timedelta(hours=1)


async def _admin(s: AsyncSession, deps: Deps, actor_id: int) -> Actor:
    actor = await load_actor(s, actor_id, deps.clock.now())
    decision = policy.can_manage_helpdesk(actor)
    enforce(decision)
    return actor


def shift_dict(shift: Shift, account: Account | None, starts_at: dt.datetime | None = None,
               ends_at: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "id": shift.id,
        "account": {"id": account.id, "username": account.username, "display_name": account.display_name}
        if account else None,
        "username": account.username if account else None,
        "starts_at": iso(starts_at or shift.starts_at),
        "ends_at": iso(ends_at or shift.ends_at),
        "weekly": shift.weekly,
        "until": iso(shift.until),
        "first_starts_at": iso(shift.starts_at),
        "note": shift.note,
    }


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime, weekly: bool, until: dt.datetime | None) -> None:
    if ends_at <= starts_at:
        raise Invalid("'ends_at' must be after 'starts_at'", field="ends_at")
    length = ends_at - starts_at
    if weekly and length > duty.WEEK:
        raise Invalid("a weekly shift lasts at most 7 days", field="ends_at")
    if not weekly and length > MAX_ONE_OFF:
        raise Invalid("a shift lasts at most 31 days", field="ends_at")
    if until is not None and not weekly:
        raise Invalid("'until' is for weekly shifts", field="until")
    if until is not None and until <= starts_at:
        raise Invalid("'until' must be after 'starts_at'", field="until")


async def _store_shift(s: AsyncSession, account: Account, created_by: int, now: dt.datetime,
                       starts_at: dt.datetime, ends_at: dt.datetime, weekly: bool, until: dt.datetime | None,
                       note: str | None) -> dict[str, Any]:
    """The one insert behind an admin's shift for anyone and a staff member's own (My shifts)."""
    shift = Shift(account_id=account.id, starts_at=starts_at, ends_at=ends_at, weekly=weekly, until=until,
                  note=note, created_by=created_by, created_at=now)
    s.add(shift)
    await s.flush()
    return shift_dict(shift, account)


async def create_shift(deps: Deps, actor_id: int, *, account_id: int | None, username: str | None,
                       starts_at: dt.datetime, ends_at: dt.datetime, weekly: bool, until: dt.datetime | None,
                       note: str | None) -> dict[str, Any]:
    _check_times(starts_at, ends_at, weekly, until)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        await _admin(s, deps, actor_id)
        if account_id is not None:
            account = await s.get(Account, account_id)
        elif username:
            account = (await s.execute(select(Account).where(Account.username == username.strip().lower()))).scalar_one_or_none()
        else:
            raise Invalid("give 'account_id' or 'username'", field="account_id")
        if account is None:
            raise NotFound("no such account")
        roles, _ = await roles_and_teams(s, [account.id])
        if not roles[account.id] & {"helper", "trainee", "monitor"}:
            raise Invalid("shifts are for helpers, trainees and monitors", field="account_id")
        return await _store_shift(s, account, actor_id, now, starts_at, ends_at, weekly, until, note)


async def list_shifts(deps: Deps, actor_id: int, start: dt.datetime | None, end: dt.datetime | None
                      ) -> dict[str, Any]:
    """Without a window: every shift as stored. With one: each occurrence in [start, end) (a weekly shift
    appears once per week, same id) and the window's coverage gaps."""
    async with deps.db.read() as s:
        await _admin(s, deps, actor_id)
        if start is None and end is None:
            shifts = list((await s.execute(select(Shift).order_by(Shift.starts_at, Shift.id))).scalars())
            people = await _people(s, [x.account_id for x in shifts])
            return {"shifts": [shift_dict(x, people.get(x.account_id)) for x in shifts]}
        start, end = _window(deps, start, end)
        shifts = await duty.shifts_overlapping(s, start, end)
        people = await _people(s, [x.account_id for x in shifts])
        out = [shift_dict(x, people.get(x.account_id), a, b)
               for x in shifts for a, b in duty.occurrences(x, start, end)]
        out.sort(key=lambda d: (d["starts_at"], d["id"]))
        report = await _coverage(s, deps, start, end, None)
        return {"shifts": out, "gaps": report["gaps"], "from": iso(start), "to": iso(end)}


async def create_own_shift(deps: Deps, actor_id: int, *, starts_at: dt.datetime, ends_at: dt.datetime,
                           weekly: bool, until: dt.datetime | None, note: str | None) -> dict[str, Any]:
    """A shift for the asker (My shifts): no account to name, so nobody can plant one on a colleague."""
    _check_times(starts_at, ends_at, weekly, until)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        enforce(policy.can_keep_own_shifts(actor))
        account = await s.get(Account, actor_id)
        if account is None:  # gone since load_actor read it
            raise NotFound("no such account")
        return await _store_shift(s, account, actor_id, now, starts_at, ends_at, weekly, until, note)


async def list_own_shifts(deps: Deps, actor_id: int, start: dt.datetime | None, end: dt.datetime | None
                          ) -> dict[str, Any]:
    """The asker's shifts as stored (each editable row once), and with a window each occurrence in it."""
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        enforce(policy.can_keep_own_shifts(actor))
        account = await s.get(Account, actor_id)
        stored = list((await s.execute(select(Shift).where(Shift.account_id == actor_id)
                                       .order_by(Shift.starts_at, Shift.id))).scalars())
        out: dict[str, Any] = {"shifts": [shift_dict(x, account) for x in stored]}
        if start is not None or end is not None:
            start, end = _window(deps, start, end)
            mine = await duty.shifts_overlapping(s, start, end, [actor_id])
            occurrences = [shift_dict(x, account, a, b) for x in mine for a, b in duty.occurrences(x, start, end)]
            occurrences.sort(key=lambda d: (d["starts_at"], d["id"]))
            out.update({"occurrences": occurrences, "from": iso(start), "to": iso(end)})
        return out


async def update_shift(deps: Deps, actor_id: int, shift_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a shift's times, repetition or note: its owner (a helper, trainee or monitor) or an admin.

    `changes` holds only the fields the caller sent; `until` and `note` may be sent as null to clear them.
    The result is checked as a whole, so turning a weekly shift into a one-off also drops its `until`.
    """
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        shift = await s.get(Shift, shift_id)
        if shift is None:
            raise NotFound("no such shift")
        enforce(policy.can_edit_shift(actor, shift.account_id))
        starts_at = changes.get("starts_at", shift.starts_at)
        ends_at = changes.get("ends_at", shift.ends_at)
        weekly = changes.get("weekly", shift.weekly)
        until = changes.get("until", shift.until) if weekly else changes.get("until")
        _check_times(starts_at, ends_at, weekly, until)
        shift.starts_at, shift.ends_at, shift.weekly, shift.until = starts_at, ends_at, weekly, until
        if "note" in changes:
            shift.note = changes["note"] or None
        await s.flush()
        return shift_dict(shift, await s.get(Account, shift.account_id))


async def delete_own_or_any_shift(deps: Deps, actor_id: int, shift_id: int) -> None:
    """Remove a shift: its owner or an admin (DELETE /api/shifts/{id})."""
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        shift = await s.get(Shift, shift_id)
        if shift is None:
            raise NotFound("no such shift")
        enforce(policy.can_edit_shift(actor, shift.account_id))
        await s.delete(shift)


async def delete_shift(deps: Deps, actor_id: int, shift_id: int) -> None:
    async with deps.db.transaction() as s:
        await _admin(s, deps, actor_id)
        shift = await s.get(Shift, shift_id)
        if shift is None:
            raise NotFound("no such shift")
        await s.delete(shift)


async def coverage(deps: Deps, actor_id: int, start: dt.datetime | None, days: int, queue: str | None
                   ) -> dict[str, Any]:
    """The hours from `start` (default: this hour) over `days` with nobody scheduled.

    Counted: shifts of enabled helpers and trainees (those who answer requests), for one queue's
    servers if `queue` is given. An hour is covered only if scheduled shifts cover all of it; the
    duty.set toggle does not count (it is not a plan).
    """
    if queue is not None and deps.config.helpdesk.queue(queue) is None:
        raise Invalid(f"unknown queue {queue!r}", field="queue")
    now = deps.clock.now()
    begin = (start or now).replace(minute=0, second=0, microsecond=0)
    async with deps.db.read() as s:
        await _admin(s, deps, actor_id)
        return await _coverage(s, deps, begin, begin + dt.timedelta(days=days), queue)


async def _coverage(s: AsyncSession, deps: Deps, start: dt.datetime, end: dt.datetime, queue: str | None
                    ) -> dict[str, Any]:
    if queue is not None:
        ids = [a.id for a in await serving_accounts(s, deps, queue)]
    else:
        ids = [r[0] for r in (await s.execute(
            select(AccountRole.account_id).join(Account, Account.id == AccountRole.account_id)
            .where(AccountRole.role.in_(tuple(policy.ANSWERING_ROLES)), Account.disabled.is_(False))
            .distinct())).all()]
    intervals = sorted((a, b) for x in await duty.shifts_overlapping(s, start, end, ids)
                       for a, b in duty.occurrences(x, start, end))
    merged: list[list[dt.datetime]] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    uncovered: list[dt.datetime] = []
    hour = start
    while hour < end:
        nxt = min(hour + HOUR, end)
        if not any(a <= hour and b >= nxt for a, b in merged):
            uncovered.append(hour)
        hour = nxt
    gaps: list[dict[str, Any]] = []
    for h in uncovered:
        h_end = min(h + HOUR, end)
        if gaps and gaps[-1]["_end"] == h:
            gaps[-1]["_end"] = h_end
        else:
            gaps.append({"_start": h, "_end": h_end})
    total = int((end - start) / HOUR + 0.999)
    return {
        "from": iso(start), "to": iso(end), "queue": queue,
        "hours": total, "covered_hours": total - len(uncovered), "uncovered_hours": len(uncovered),
        "uncovered": [iso(h) for h in uncovered],
        "gaps": [{"starts_at": iso(g["_start"]), "ends_at": iso(g["_end"]),
                  "hours": int((g["_end"] - g["_start"]) / HOUR + 0.999)} for g in gaps],
    }


def _window(deps: Deps, start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    start = start or deps.clock.now()
    end = end or start + duty.WEEK
    if end <= start:
        raise Invalid("'to' must be after 'from'", field="to")
    if end - start > MAX_WINDOW:
        raise Invalid("ask for at most 62 days at once", field="to")
    return start, end


async def _people(s: AsyncSession, ids: list[int]) -> dict[int, Account]:
    if not ids:
        return {}
    return {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(set(ids))))).scalars()}
