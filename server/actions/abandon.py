"""A requester who leaves before anyone claims their case: `abandoned`.

Either explicitly (`case.abandon`), or by going away: when the requester's last socket disconnects,
their queued cases get `requester_left_at`; the periodic job abandons those still queued after
`helpdesk.abandon_after_disconnect` whose requester has not come back (presence table, shared by every
process). Never for a disconnect (issue 12): a request made off hours, one in a queue with nobody on duty
to serve it, or one whose requester left an e-mail address stays queued until a helper answers. A
requester who is connected again when the job looks keeps their place. No sleeps: the grace is a
timestamp and a job, so it survives restarts and works with several processes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions.access import access_case, enforce, facts_of
from server.actions.case_views import case_updated, case_view, requester_view
from server.actions.messages import system_emit
from server.actions.queue import after_leaving_queue, alert_targets
from server.actions.sla import send
from server.deps import Deps
from server.errors import Conflict
from server.notify import Effect
from server.storage.facts import connected_accounts, load_actor
from server.storage.messages import append_system_message
from server.storage.models import Case
from server.storage.models.alerts import CaseContact


async def do_abandon(s: AsyncSession, deps: Deps, case: Case, now: dt.datetime, text: str,
                     how: str, actor_id: int | None = None) -> list[Effect] | None:
    """queued -> abandoned as a conditional update; None if the case left the queue meanwhile."""
    result = await s.execute(
        update(Case).where(Case.id == case.id, Case.status.in_(lifecycle.sources("abandon")))
        .values(status=lifecycle.target("abandon"), closed_at=now, requester_left_at=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    await s.refresh(case)
    msg = await append_system_message(s, case.room_id, text, now, {"event": "abandon", "how": how})
    hooked = [e for hook in deps.on_case_transition for e in await hook(s, deps, case, "abandon", actor_id, now)]
    view = await case_view(s, case)
    return [system_emit(msg), *hooked, *case_updated(view, case),
            *await after_leaving_queue(s, deps, case, view, case.queue, now)]


async def abandon_case(deps: Deps, actor_id: int, case_id: Any) -> tuple[dict[str, Any], list[Effect]]:
    """case.abandon: the requester withdraws a request nobody has claimed yet."""

    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        decision = policy.can_abandon_case(actor, await facts_of(s, case))
        enforce(decision)
        if not lifecycle.allowed("abandon", case.status):
            raise Conflict("someone is already helping with this request; it can only be resolved now")
        effects = await do_abandon(s, deps, case, now, "The request was withdrawn before anyone answered.",
                                   "withdrawn", actor_id)
        if effects is None:
            raise Conflict("someone is already helping with this request; it can only be resolved now")
        view = requester_view(await case_view(s, case))
    return view, effects


async def on_requester_left(deps: Deps, account_id: int) -> list[Effect]:
    """deps.on_last_disconnect hook: start the grace period on the account's queued cases."""
    async with deps.db.transaction() as s:
        await s.execute(update(Case).where(Case.requester_id == account_id, Case.status == lifecycle.QUEUED)
                        .values(requester_left_at=deps.clock.now()).execution_options(synchronize_session=False))
    return []


async def has_contact(s: AsyncSession, case_id: int) -> bool:
    """The requester left an e-mail address on this case (actions/contact.py)."""
    return (await s.execute(select(CaseContact.case_id).where(CaseContact.case_id == case_id,
                                                              CaseContact.email_sealed.is_not(None)))).first() is not None


async def run_once(deps: Deps, now: dt.datetime) -> list[int]:
    """Abandon queued cases whose requester left more than the grace period ago and is still away."""
    grace = dt.timedelta(seconds=deps.config.helpdesk.abandon_after_disconnect)
    abandoned: list[int] = []
    async with deps.locks.abandon:
        effects: list[Effect] = []
        async with deps.db.transaction() as s:
            due = list((await s.execute(select(Case).where(
                Case.status == lifecycle.QUEUED, Case.requester_left_at.is_not(None),
                Case.requester_left_at <= now - grace).order_by(Case.id))).scalars())
            back = await connected_accounts(s, [c.requester_id for c in due])
            served: dict[str, bool] = {}
            for case in due:
                if case.queue not in served:
                    served[case.queue] = bool(await alert_targets(s, deps, case.queue, now))
                # Issue 12: a request made off hours, or waiting in a queue nobody serves on duty now, or
                # whose requester left a way to reach them, stays queued until a helper answers.
                keep = case.off_hours or not served[case.queue] or await has_contact(s, case.id)
                if case.requester_id in back or keep:
                    await s.execute(update(Case).where(Case.id == case.id).values(requester_left_at=None)
                                    .execution_options(synchronize_session=False))
                    continue
                out = await do_abandon(s, deps, case, now,
                                       "The requester left before anyone answered.", "left")
                if out is not None:
                    effects.extend(out)
                    abandoned.append(case.id)
        await send(deps, effects)
    return abandoned
