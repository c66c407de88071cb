"""Off-hours: nothing that waited while nobody was on duty is forgotten.

When a person comes on duty (the toggle), they get one stored `alert` {"kind": "waiting_cases"} listing
the queued cases of the queues they serve, oldest first (monitors: every queue), so a shift starts with
what is waiting rather than with silence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from roles import policy
from roles.facts import Actor
from server import lifecycle
from server.actions import alerts
from server.clock import iso
from server.deps import Deps
from server.notify import Effect
from server.storage.facts import load_actor
from server.storage.models import Account, Case

LIST_MAX = 50


def serves(actor: Actor, deps: Deps, queue: str) -> bool:
    if actor.has("monitor"):
        return True
    return policy.serves_queue(actor, deps.config.helpdesk.queue_teams(queue))


async def on_duty_changed(deps: Deps, account_id: int, on_duty: bool) -> list[Effect]:
    """Duty hook: one alert to the person coming on duty with the waiting cases, oldest first."""
    if not on_duty:
        return []
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, account_id, now)
        if not (actor.has("monitor") or set(actor.roles) & set(policy.ANSWERING_ROLES)):
            return []
        rows = (await s.execute(select(Case, Account.display_name).join(Account, Account.id == Case.requester_id)
                                .where(Case.status == lifecycle.QUEUED)
                                .order_by(Case.created_at, Case.id))).all()
        waiting = [(c, name) for c, name in rows if serves(actor, deps, c.queue)]
        if not waiting:
            return []
        cases: list[dict[str, Any]] = [
            {"case_id": c.id, "queue": c.queue, "topic": c.topic, "requester": name,
             "created_at": iso(c.created_at), "waited_seconds": int((now - c.created_at).total_seconds())}
            for c, name in waiting[:LIST_MAX]]
        oldest = waiting[0][0]
        message = (f"{len(waiting)} request{'s' if len(waiting) != 1 else ''} waiting; the oldest "
                   f"(case #{oldest.id}) since {iso(oldest.created_at)}.")
        raised = await alerts.raise_alert(s, deps, {"kind": "waiting_cases", "cases": cases, "count": len(waiting),
                                                    "message": message, "created_at": iso(now)},
                                          [account_id], now, chain=False)
    return raised.effects
