"""Transfer: hand a case to another helper, or back to a queue, without escalating it.

To a helper: they become the case's helper (a trainee and supervising monitor step off), join the room,
get an `alert` {"kind": "transfer"}; the requester is told who takes over; the note stays with staff.
The receiving helper's open cases count against helpdesk.max_open_cases as a claim would (past it:
`invalid` on to_account_id, like any receiver who may not take the case; monitors are exempt).
To a queue: the case is `queued` again in that queue with a `queue.alert` (reason "transferred").
Either way the previous assignee stays in the room as a plain member (they may read or leave).
Escalated cases belong to their route's team and are not transferred.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions.access import authorized_case
from server.actions.case_notes import alert, display_name, post_note
from server.actions.case_views import case_updated, case_view, queue_alert, queue_alert_targets, transition
from server.actions.messages import system_emit
from server.actions.queue import enforce_case_cap, position_effects
from server.actions.rooms import set_member_role, socket_rooms_for
from server.actions.sensitive import refuse_sensitive_text
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.notify import Effect, Join
from server.storage.facts import load_actors
from server.storage.messages import append_system_message
from server.storage.models import Account, Case, RoomMember
from server.storage.models.escalation import CANCELLED, PENDING, Escalation

TRANSFERABLE = (lifecycle.ACTIVE, lifecycle.ON_HOLD)


async def _step_off(s: AsyncSession, case: Case, keep: int | None) -> None:
    """Previous assignees become plain members of the case room (no longer 'staff' on it)."""
    ids = [i for i in (case.helper_id, case.trainee_id) if i is not None and i != keep]
    if ids:
        await s.execute(update(RoomMember).where(RoomMember.room_id == case.room_id,
                                                 RoomMember.account_id.in_(ids), RoomMember.role == "staff")
                        .values(role="member").execution_options(synchronize_session=False))


async def transfer_case(deps: Deps, actor_id: int, case_id: Any, to_account_id: int | None, queue: str | None,
                        note: str) -> tuple[dict[str, Any], list[Effect]]:
    if (to_account_id is None) == (queue is None):
        raise Invalid("give either 'to_account_id' or 'queue'", field="to_account_id")
    if queue is not None and deps.config.helpdesk.queue(queue) is None:
        names = ", ".join(q.name for q in deps.config.helpdesk.queues)
        raise Invalid(f"unknown queue {queue!r}; queues: {names}", field="queue")
    refuse_sensitive_text(deps, note, "the transfer note", field="note")  # it goes out in alerts
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        _, case, _ = await authorized_case(s, actor_id, case_id, now, policy.can_escalate_case)
        if case.status not in TRANSFERABLE:
            raise Conflict(f"a case that is {case.status} cannot be transferred")
        by = await display_name(s, actor_id)
        if to_account_id is not None:
            effects = await _to_helper(s, deps, case, actor_id, by, to_account_id, note)
        else:
            assert queue is not None
            effects = await _to_queue(s, deps, case, actor_id, by, queue, note)
        # A hand-off question the requester has not answered is moot now.
        await s.execute(update(Escalation).where(Escalation.case_id == case.id, Escalation.status == PENDING)
                        .values(status=CANCELLED).execution_options(synchronize_session=False))
        view = await case_view(s, case)
        if queue is not None:
            targets = await queue_alert_targets(s, deps, queue, now)
            effects.append(queue_alert(view, targets, "transferred"))
            effects += await position_effects(s, deps, queue, now)  # everyone waiting learns their place
    return {"case": view}, effects + case_updated(view, case)


async def _to_helper(s: AsyncSession, deps: Deps, case: Case, actor_id: int, by: str, to_id: int, note: str
                     ) -> list[Effect]:
    now = deps.clock.now()
    target = (await load_actors(s, [to_id], now)).get(to_id)
    account = await s.get(Account, to_id) if target is not None else None
    if target is None or account is None or account.disabled:
        raise NotFound("no such account")
    decision = policy.can_receive_transfer(target)
    if not decision:
        raise Invalid(decision.reason, field="to_account_id")
    if to_id == case.helper_id:
        raise Invalid("that helper already has this case", field="to_account_id")
    previous = (case.helper_id, case.trainee_id)
    changed = await s.execute(
        update(Case).where(Case.id == case.id, Case.status.in_(TRANSFERABLE),
                           Case.helper_id.is_(None) if previous[0] is None else Case.helper_id == previous[0],
                           Case.trainee_id.is_(None) if previous[1] is None else Case.trainee_id == previous[1])
        .values(helper_id=to_id, trainee_id=None, monitor_id=None, last_activity_at=now)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case changed meanwhile; reload it")
    # The per-person cap (helpdesk.max_open_cases) holds for transfers as for claims: counted after the
    # update, in this transaction, so concurrent transfers and claims to one helper cannot pass it.
    try:
        await enforce_case_cap(s, deps, target)
    except Forbidden:
        cap = deps.config.helpdesk.max_open_cases
        raise Invalid(f"{account.display_name} already has {cap} open cases; pick someone else or "
                      "transfer to a queue", field="to_account_id") from None
    await _step_off(s, case, keep=to_id)
    await s.refresh(case)
    await set_member_role(s, case.room_id, to_id, "staff", deps)
    effects: list[Effect] = [
        Join(to_id, socket_rooms_for(case.room_id, target)),
        await post_note(s, case.room_id, actor_id, f"Transferred to {account.display_name}: {note}", now,
                        {"event": "transfer", "to": to_id}),
        system_emit(await append_system_message(s, case.room_id, f"{account.display_name} is taking over this chat.",
                                                now, {"event": "transferred", "to": to_id})),
    ]
    link = deps.config.escalation.link(case.id)
    effects += alert({"kind": "transfer", "case_id": case.id, "room_id": case.room_id,
                      "by": {"id": actor_id, "display_name": by}, "note": note,
                      "message": f"{by} transferred case #{case.id} to you: {note}", "case_link": link,
                      "created_at": iso(now)}, [to_id])
    return effects


async def _to_queue(s: AsyncSession, deps: Deps, case: Case, actor_id: int, by: str, queue: str, note: str
                    ) -> list[Effect]:
    now = deps.clock.now()
    await _step_off(s, case, keep=None)
    await transition(s, case, "requeue", {"queue": queue, "helper_id": None, "trainee_id": None,
                                           "monitor_id": None, "on_hold_since": None, "claimed_at": None,
                                           "last_activity_at": now, "queued_at": now, "reroute_step": 0})
    return [
        await post_note(s, case.room_id, actor_id, f"Transferred to the {queue} queue: {note}", now,
                        {"event": "transfer", "queue": queue}),
        system_emit(await append_system_message(
            s, case.room_id, "We are passing your chat to another helper; please stay here, they will be with you soon.",
            now, {"event": "transferred", "queue": queue})),
    ]
