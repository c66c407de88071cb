"""Small pieces the escalation-side steps share (escalate, experts, transfers, personal escalation):
alerts to accounts, internal notes, the case row lock. Kept apart so those modules do not import each
other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.actions.messages import system_emit
from server.deps import Deps
from server.notify import Effect, Emit, account_room, room_staff_room
from server.storage.facts import roles_and_teams
from server.storage.messages import allocate_seqs, append_system_message
from server.storage.models import Account, Case, Message
from server.views import message_dict, sender_dict


async def send(deps: Deps, effects: list[Effect]) -> None:
    """Jobs and hooks without a transport send through the notifier injected in Deps."""
    if effects:
        await deps.notifier.send(effects)


def alert(payload: dict[str, Any], account_ids: set[int] | list[int]) -> list[Effect]:
    """An `alert` to each account (its own Socket.IO room); nothing when nobody is named."""
    to = tuple(account_room(a) for a in sorted(set(account_ids)))
    return [Emit("alert", payload, to)] if to else []


async def lock_case(s: AsyncSession, case_id: int, statuses: frozenset[str] | tuple[str, ...]) -> bool:
    """Take the case row's write lock (PostgreSQL row lock, SQLite write lock) if it is in `statuses`.

    Read-modify-write on a case's extras (pending hand-offs, the experts list) happens after this, so
    two concurrent requests on the same case run one after the other and see each other's result.
    """
    result = await s.execute(update(Case).where(Case.id == case_id, Case.status.in_(list(statuses)))
                             .values(status=Case.status).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def post_note(s: AsyncSession, room_id: int, sender_id: int | None, body: str, now: dt.datetime,
                    meta: dict[str, Any] | None = None) -> Emit:
    """An internal note in a case room (staff only), written by `sender_id` (None = the server)."""
    if sender_id is None:
        msg = await append_system_message(s, room_id, body, now, meta, kind="note")
        return system_emit(msg)
    seq = await allocate_seqs(s, room_id, 1)
    msg = Message(room_id=room_id, seq=seq, sender_id=sender_id, client_id=None, kind="note", body=body,
                  sensitive=False, purged=False, meta=meta, created_at=now)
    s.add(msg)
    await s.flush()
    account = await s.get(Account, sender_id)
    roles, _ = await roles_and_teams(s, [sender_id])
    view = message_dict(msg, sender_dict(account, roles[sender_id]), body=body)
    return Emit("message", view, (room_staff_room(room_id),))


async def display_name(s: AsyncSession, account_id: int | None) -> str:
    if account_id is None:
        return "someone"
    account = await s.get(Account, account_id)
    return account.display_name if account is not None else "someone"
