"""Socket events owned by the roles feature area: shadowing, supervision, take-over and hand-back,
vouching, the monitor overview."""

from __future__ import annotations

from typing import Any

from server.actions import monitor_view, shadowing, supervision, vouching
from server.schemas.base import Empty
from server.schemas.cases import CaseRef
from server.schemas.roles import CaseVouch
from server.socket.registry import EventContext, event


@event("case.shadow")
async def case_shadow(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    answer, effects = await shadowing.shadow_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return answer


@event("case.unshadow")
async def case_unshadow(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    answer, effects = await shadowing.unshadow_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return answer


@event("case.supervise")
async def case_supervise(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await supervision.supervise_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.takeover")
async def case_takeover(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await supervision.take_over_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.handback")
async def case_handback(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await supervision.hand_back_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.vouch")
async def case_vouch(ctx: EventContext, p: CaseVouch) -> dict[str, Any]:
    note = p.note.strip() if p.note else None
    answer, effects = await vouching.vouch(ctx.deps, ctx.account_id, p.case_id, p.trainee_id, note)
    ctx.emit_after(effects)
    return answer


@event("monitor.overview")
async def monitor_overview(ctx: EventContext, p: Empty) -> dict[str, Any]:
    return await monitor_view.overview(ctx.deps, ctx.account_id)
