"""Re-routing: an unclaimed request is never left to the one `new` alert it got.

A case still queued `reroute_after` (helpdesk.queues.<queue>) after it entered the queue is alerted again,
step by step, one more `reroute_after` apart: (1) everyone on duty for its queue, (2) the on-duty staff of
the queue's `fallback` queues (only when it has some), (3) the on-duty room monitors. Each step stores an
`alert` {"kind": "unclaimed"} per recipient (nobody alerted twice in one wait), sends `queue.alert` with
`"reason": "reroute"` to the helpers and trainees among them, and writes a staff note on the case naming
who was alerted.

The step reached is stored on the case (reroute_step, reset with queued_at on a re-queue), and each step
is claimed by a conditional update on (id, status, step): a restart neither loses nor repeats a step, and
several processes may run this.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import lifecycle
from server.actions import alerts
from server.actions.case_views import case_view, queue_alert
from server.actions.messages import system_emit
from server.actions.queue import alert_targets
from server.clock import iso, span
from server.deps import Deps
from server.notify import Effect
from server.storage import audiences
from server.storage.messages import append_system_message
from server.storage.models import Case
from server.storage.models.alerts import Alert

log = logging.getLogger("livehelp.reroute")
KIND = "unclaimed"


async def _audience(s: AsyncSession, deps: Deps, case: Case, step: str, now: dt.datetime) -> tuple[set[int], bool]:
    """(accounts to alert, whether they get queue.alert too: helpers and trainees do, monitors follow the
    queue through staff:monitors)."""
    q = deps.config.helpdesk.queue(case.queue)
    if step == "queue":
        return set(await alert_targets(s, deps, case.queue, now)), True
    if step == "fallback" and q is not None:
        ids: set[int] = set()
        for name in q.fallback:
            ids |= set(await alert_targets(s, deps, name, now))
        return ids, True
    return await audiences.resolve(s, ["on_duty:monitor"], now), False


def _what(step: str, case: Case, deps: Deps) -> str:
    q = deps.config.helpdesk.queue(case.queue)
    if step == "queue":
        return f"everyone on duty for the {case.queue} queue"
    if step == "fallback" and q is not None:
        return f"the fallback queue{'s' if len(q.fallback) != 1 else ''} {', '.join(q.fallback)}"
    return "the room monitors on duty"


async def _fire(s: AsyncSession, deps: Deps, case: Case, index: int, steps: tuple[str, ...], after: float,
                since: dt.datetime, now: dt.datetime) -> list[Effect]:
    step = steps[index]
    targets, queue_too = await _audience(s, deps, case, step, now)
    already = set((await s.execute(select(Alert.account_id).where(
        Alert.kind == KIND, Alert.case_id == case.id, Alert.created_at >= since))).scalars())
    waited = int((now - since).total_seconds())
    what = _what(step, case, deps)
    payload: dict[str, Any] = {
        "kind": KIND, "case_id": case.id, "room_id": case.room_id, "queue": case.queue, "topic": case.topic,
        "step": index + 1, "steps": len(steps), "audience": step, "waited_seconds": waited,
        "queued_at": iso(since), "case_link": deps.config.escalation.link(case.id), "created_at": iso(now),
        "message": f"Case #{case.id} ({case.queue}) has waited {span(waited)} with nobody claiming it.",
        "severity": "high" if step == "monitors" else "normal",
    }
    raised = await alerts.raise_alert(s, deps, payload, targets, now, chain=False, skip=already)
    effects: list[Effect] = list(raised.effects)
    if queue_too and raised.recipients:
        effects.append(queue_alert(await case_view(s, case), raised.recipients, "reroute"))
    who = raised.who if raised.names else ("nobody new" if targets else "nobody (nobody on duty)")
    text = (f"Still unclaimed after {span(after * (index + 1))}: step {index + 1} of {len(steps)} alerted "
            f"{what}: {who}, at {iso(now)}.")
    msg = await append_system_message(s, case.room_id, text, now, {
        "event": "reroute", "step": index + 1, "audience": step, "recipients": raised.recipients}, kind="note")
    effects.append(system_emit(msg))
    return effects


async def run_once(deps: Deps, now: dt.datetime) -> list[tuple[int, int]]:
    """Fire every re-route step that is due, in order; returns (case id, step number) for each fired."""
    fired: list[tuple[int, int]] = []
    effects: list[Effect] = []
    async with deps.db.transaction() as s:
        cases = list((await s.execute(select(Case).where(Case.status == lifecycle.QUEUED)
                                      .order_by(Case.created_at, Case.id))).scalars())
        for case in cases:
            q = deps.config.helpdesk.queue(case.queue)
            if q is None or not q.reroute_steps:
                continue
            steps, after = q.reroute_steps, q.reroute_after
            since = case.queued_at or case.created_at
            index = case.reroute_step
            while index < len(steps) and since + dt.timedelta(seconds=after * (index + 1)) <= now:
                claimed = await s.execute(update(Case).where(
                    Case.id == case.id, Case.status == lifecycle.QUEUED, Case.reroute_step == index)
                    .values(reroute_step=index + 1).execution_options(synchronize_session=False))
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    break
                effects += await _fire(s, deps, case, index, steps, after, since, now)
                fired.append((case.id, index + 1))
                index += 1
    if fired:
        log.info("unclaimed requests re-routed", extra={"steps": len(fired)})
        await deps.notifier.send(effects)
    return fired
