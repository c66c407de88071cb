"""Chat activity on cases, recorded inside the message writer's batch transaction.

- `first_response_at`: the first `chat` from staff in the case room (whispers and notes do not answer
  the requester). A conditional UPDATE ... WHERE first_response_at IS NULL keeps the first one.
- `last_activity_at`: the last `chat` from anyone; the on-hold auto-close measures inactivity from it.
Running in the batch transaction makes both atomic with the messages themselves. The message that set
`first_response_at` is marked, and `after_message` sends case.updated for it after the commit.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import STAFF_ROLES
from server.actions.access import access_case
from server.actions.case_views import case_updated, case_view
from server.deps import Deps
from server.message_writer import Written
from server.notify import Effect
from server.storage.models import Case

_CASES = cast(Table, Case.__table__)
# Core statements built once (this runs for every batch of case-room messages): an ORM-enabled UPDATE built
# per batch paid SQLAlchemy's construction, cache-key walk and ORM bulk-update setup every time.
_TOUCH = (update(_CASES).where(_CASES.c.room_id.in_(bindparam("rooms", expanding=True)))
          .values(last_activity_at=bindparam("now", type_=_CASES.c.last_activity_at.type)))
_FIRST_RESPONSE = (update(_CASES)
                   .where(_CASES.c.room_id.in_(bindparam("rooms", expanding=True)),
                          _CASES.c.first_response_at.is_(None))
                   .values(first_response_at=bindparam("now", type_=_CASES.c.first_response_at.type))
                   .returning(_CASES.c.room_id))


async def record_chat_activity(session: AsyncSession, written: list[Written], now: dt.datetime) -> None:
    active_rooms: set[int] = set()
    answers: dict[int, Written] = {}  # room -> the batch's first staff chat in it
    for w in written:
        if w.duplicate or w.room_kind != "case" or w.case is None or w.message.kind != "chat":
            continue
        active_rooms.add(w.message.room_id)
        if w.sender_roles & STAFF_ROLES and w.sender.id != w.case.requester_id:
            answers.setdefault(w.message.room_id, w)
    if active_rooms:
        await session.execute(_TOUCH, {"rooms": sorted(active_rooms), "now": now})
    if answers:
        first_answered = (await session.execute(_FIRST_RESPONSE, {"rooms": sorted(answers), "now": now})).scalars()
        for room_id in first_answered:
            answers[room_id].first_response = True


async def after_message(deps: Deps, w: Written) -> list[Effect]:
    """After commit: a case's first response changes what its watchers show (the monitor dashboard's
    "waiting" becomes answered; the requester's wait is over), so they get case.updated."""
    if not w.first_response or w.case is None:
        return []
    async with deps.db.read() as s:
        case = await access_case(s, w.case.id)
        view = await case_view(s, case)
    return case_updated(view, case)
