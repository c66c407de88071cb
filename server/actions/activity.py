"""Chat activity on cases, recorded inside the message writer's batch transaction.

- `first_response_at`: the first `chat` from staff in the case room (whispers and notes do not answer
  the requester). A conditional UPDATE ... WHERE first_response_at IS NULL keeps the first one.
- `last_activity_at`: the last `chat` from anyone; the on-hold auto-close measures inactivity from it.
Running in the batch transaction makes both atomic with the messages themselves.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from roles.facts import STAFF_ROLES
from server.message_writer import Written
from server.storage.models import Case


async def record_chat_activity(session: AsyncSession, written: list[Written], now: dt.datetime) -> None:
    active_rooms: set[int] = set()
    answered_rooms: set[int] = set()
    for w in written:
        if w.duplicate or w.room_kind != "case" or w.case is None or w.message.kind != "chat":
            continue
        active_rooms.add(w.message.room_id)
        if w.sender_roles & STAFF_ROLES and w.sender.id != w.case.requester_id:
            answered_rooms.add(w.message.room_id)
    if active_rooms:
        await session.execute(update(Case).where(Case.room_id.in_(sorted(active_rooms)))
                              .values(last_activity_at=now).execution_options(synchronize_session=False))
    if answered_rooms:
        await session.execute(update(Case).where(Case.room_id.in_(sorted(answered_rooms)),
                                                 Case.first_response_at.is_(None))
                              .values(first_response_at=now).execution_options(synchronize_session=False))
