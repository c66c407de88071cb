"""Socket events owned by the roles feature area: shadowing, supervision, take-over and hand-back,
vouching, the monitor overview."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import monitor_view, shadowing, supervision, vouching
from server.socket.registry import EventContext, event


def case_id_of(p: dict[str, Any]) -> int:
    return v.integer(p, "case_id", minimum=1)  # type: ignore[return-value]


@event("case.shadow")
async def case_shadow(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    answer, effects = await shadowing.shadow_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return answer


@event("case.unshadow")
async def case_unshadow(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    answer, effects = await shadowing.unshadow_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return answer


@event("case.supervise")
async def case_supervise(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await supervision.supervise_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.takeover")
async def case_takeover(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await supervision.take_over_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.handback")
async def case_handback(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await supervision.hand_back_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.vouch")
async def case_vouch(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    trainee_id = v.integer(p, "trainee_id", minimum=1)
    note = v.text(p, "note", max_chars=2000, required=False)
    answer, effects = await vouching.vouch(ctx.deps, ctx.account_id, case_id_of(p), trainee_id,  # type: ignore[arg-type]
                                           note.strip() if note else None)
    ctx.emit_after(effects)
    return answer


@event("monitor.overview")
async def monitor_overview(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return await monitor_view.overview(ctx.deps, ctx.account_id)
