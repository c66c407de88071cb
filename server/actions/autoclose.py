"""On-hold auto-close: a case on hold with no chat for `helpdesk.auto_close.after` is resolved
automatically, and the requester is always told first.

Inactivity counts from the later of `last_activity_at` (last chat from anyone) and `on_hold_since`.
At `after - notice` the job posts a closing notice (and stamps autoclose_warned_at); it closes only
when the whole inactivity period has passed AND the notice is at least `notice` old, so a job that was
down never closes without notice. Any chat after the notice makes the notice stale (a new one comes at
the next quiet stretch). Which cases are left alone is one rule: policy.autoclose_exempt (escalated).
Every change is a conditional UPDATE that re-checks status and inactivity, so a chat or a resume racing
with the job wins.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server import lifecycle
from server.actions.case_views import case_updated, case_view
from server.actions.messages import system_emit
from server.actions.sla import send
from server.deps import Deps
from server.notify import Effect
from server.storage.facts import case_facts_for
from server.storage.messages import append_system_message
from server.storage.models import Case

log = logging.getLogger("livehelp.autoclose")


def _minutes(seconds: float) -> str:
    m = max(1, round(seconds / 60))
    return f"{m} minute{'s' if m != 1 else ''}"


def quiet_since(case: Case) -> dt.datetime:
    stamps = [t for t in (case.last_activity_at, case.on_hold_since, case.created_at) if t is not None]
    return max(stamps)


async def _still_quiet(s: AsyncSession, case_id: int, since: dt.datetime, values: dict[str, Any],
                       extra: list[Any] | None = None) -> bool:
    """Conditional update: only if still on hold and nobody chatted since `since` was read."""
    result = await s.execute(
        update(Case).where(
            Case.id == case_id, Case.status.in_(lifecycle.sources("auto_close")),
            or_(Case.last_activity_at.is_(None), Case.last_activity_at <= since),
            *(extra or []),
        ).values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def run_once(deps: Deps, now: dt.datetime) -> dict[str, list[int]]:
    """Post due closing notices and close due cases; returns {"warned": [...], "closed": [...]}."""
    cfg = deps.config.helpdesk.auto_close
    done: dict[str, list[int]] = {"warned": [], "closed": []}
    if cfg.after <= 0:
        return done
    after, notice = dt.timedelta(seconds=cfg.after), dt.timedelta(seconds=cfg.notice)
    async with deps.locks.autoclose:
        effects: list[Effect] = []
        async with deps.db.transaction() as s:
            cases = list((await s.execute(select(Case).where(
                Case.status.in_(lifecycle.sources("auto_close"))))).scalars())
            facts = await case_facts_for(s, cases)
            for case in cases:
                if policy.autoclose_exempt(facts[case.id]):
                    continue
                since = quiet_since(case)
                if now - since < after - notice:
                    continue
                warned = case.autoclose_warned_at
                if warned is None or warned < since:
                    if await _still_quiet(s, case.id, since, {"autoclose_warned_at": now}):
                        left = max(after - (now - since), notice)
                        msg = await append_system_message(
                            s, case.room_id,
                            f"This chat has been quiet for a while and will close in {_minutes(left.total_seconds())}. "
                            "Send a message to keep it open.", now, {"event": "auto_close_notice"})
                        effects.append(system_emit(msg))
                        done["warned"].append(case.id)
                    continue
                if now - since >= after and now - warned >= notice:
                    closed = await _still_quiet(
                        s, case.id, since,
                        {"status": lifecycle.target("auto_close"), "closed_at": now, "on_hold_since": None})
                    if not closed:
                        continue
                    await s.refresh(case)
                    msg = await append_system_message(
                        s, case.room_id,
                        f"This chat was closed after {_minutes(cfg.after)} without activity. "
                        "You are welcome to ask again at any time.", now, {"event": "auto_close"})
                    effects.append(system_emit(msg))
                    for hook in deps.on_case_transition:
                        effects.extend(await hook(s, deps, case, "auto_close", None, now))
                    view = await case_view(s, case)
                    effects.extend(case_updated(view, case))
                    done["closed"].append(case.id)
        if done["warned"] or done["closed"]:
            log.info("auto-close", extra={"warned": len(done["warned"]), "closed": len(done["closed"])})
        await send(deps, effects)
    return done
