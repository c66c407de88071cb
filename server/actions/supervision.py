"""Room monitors supervising trainees: who supervises, and what happens when they leave.

A trainee may claim or speak only while a monitor who is on duty and connected supervises the case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import lifecycle
from server.deps import Deps
from server.notify import Effect, Emit, Join, account_room
from server.storage.facts import connected_accounts, on_duty_accounts
from server.storage.models import Account, AccountRole, Case


async def pick_monitor(s: AsyncSession, deps: Deps, now: dt.datetime, exclude: int | None = None) -> int | None:
    """The least-loaded monitor who is on duty and connected, or None."""
    ids = [r[0] for r in (await s.execute(select(AccountRole.account_id).where(AccountRole.role == "monitor"))).all()]
    ids = [i for i in ids if i != exclude]
    if not ids:
        return None
    accounts = list((await s.execute(select(Account).where(Account.id.in_(ids), Account.disabled.is_(False)))).scalars())
    on_duty = await on_duty_accounts(s, accounts, now)
    candidates = on_duty & await connected_accounts(s, on_duty)
    if not candidates:
        return None
    load = dict((await s.execute(
        select(Case.monitor_id, func.count()).where(Case.monitor_id.in_(candidates),
                                                    Case.status.in_(list(lifecycle.OPEN)))
        .group_by(Case.monitor_id))).all())
    return min(sorted(candidates), key=lambda i: load.get(i, 0))


async def start_supervision(s: AsyncSession, deps: Deps, case: Case, monitor_id: int, now: dt.datetime) -> list[Effect]:
    from server.actions.rooms import set_member_role
    from server.notify import room_room, room_staff_room

    await set_member_role(s, case.room_id, monitor_id, "monitor", deps)
    return [
        Join(monitor_id, (room_room(case.room_id), room_staff_room(case.room_id))),
        Emit("alert", {"kind": "supervision", "case_id": case.id, "room_id": case.room_id,
                       "message": "You are supervising a trainee on this case."}, (account_room(monitor_id),)),
    ]
