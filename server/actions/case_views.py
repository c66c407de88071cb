"""What a case looks like to each side, the events a case change sends, and the one conditional state
change every step uses. A lower layer under cases.py, supervision.py, escalations.py and the others, so
those can share it without importing each other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import lifecycle
from server.actions import queue as desk_queue
from server.deps import Deps
from server.errors import Conflict
from server.notify import MONITORS, Effect, Emit, account_room, room_staff_room
from server.storage.models import Account, Case
from server.views import case_dict


async def people_of(s: AsyncSession, cases: list[Case]) -> dict[int, Account]:
    ids = {i for c in cases for i in (c.requester_id, c.helper_id, c.trainee_id, c.monitor_id) if i is not None}
    if not ids:
        return {}
    return {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(ids)))).scalars()}


async def case_view(s: AsyncSession, case: Case) -> dict[str, Any]:
    return case_dict(case, await people_of(s, [case]))


def requester_view(view: dict[str, Any]) -> dict[str, Any]:
    """What the requester sees of their case: no monitor (supervision is staff business), no resolve
    summary (staff only: the resolve dialog says so)."""
    return dict(view, monitor=None, summary=None)


def case_updated(view: dict[str, Any], case: Case) -> list[Effect]:
    """case.updated to the staff in the room, all monitors, and (trimmed) to the requester."""
    return [
        Emit("case.updated", view, (room_staff_room(case.room_id), MONITORS)),
        Emit("case.updated", requester_view(view), (account_room(case.requester_id),)),
    ]


async def queue_alert_targets(s: AsyncSession, deps: Deps, queue: str, now: dt.datetime) -> list[int]:
    """On-duty helpers and trainees who serve `queue` (routing rules: server/actions/queue.py)."""

    return await desk_queue.alert_targets(s, deps, queue, now)


def queue_alert(view: dict[str, Any], targets: list[int], reason: str) -> Emit:
    """The same alert to every target, helper or trainee alike, and to nobody else (monitors follow the
    queue through case.updated on staff:monitors)."""
    return Emit("queue.alert", {"case": view, "reason": reason}, tuple(account_room(a) for a in targets))


async def transition(s: AsyncSession, case: Case, action: str, values: dict[str, Any]) -> None:
    """UPDATE cases SET ... WHERE id = :id AND status IN (allowed sources); conflict if someone was first."""
    result = await s.execute(
        update(Case).where(Case.id == case.id, Case.status.in_(lifecycle.sources(action)))
        .values(status=lifecycle.target(action), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case changed meanwhile; reload it")
    await s.refresh(case)
