"""Socket events owned by the escalation feature area: routes, escalate, the requester's hand-off answer,
experts, transfer, personal escalation by hand, a case's escalation history."""

from __future__ import annotations

from typing import Any

from server.actions import distress, escalations, experts, transfers
from server.schemas.base import Empty
from server.schemas.cases import CaseRef
from server.schemas.escalation import CaseConfirmHandoff, CaseEscalate, CaseFlag, CaseInvolveExpert, CaseTransfer
from server.socket.registry import EventContext, event


@event("escalation.routes")
async def escalation_routes(ctx: EventContext, p: Empty) -> dict[str, Any]:
    answer, effects = await escalations.list_routes(ctx.deps, ctx.account_id)
    ctx.emit_after(effects)
    return answer


@event("case.escalate")
async def case_escalate(ctx: EventContext, p: CaseEscalate) -> dict[str, Any]:
    answer, effects = await escalations.escalate_case(ctx.deps, ctx.account_id, p.case_id, p.route, p.note,
                                                      p.priority, list(p.checklist or ()), p.category)
    ctx.emit_after(effects)
    return answer


@event("case.confirm_handoff")
async def case_confirm_handoff(ctx: EventContext, p: CaseConfirmHandoff) -> dict[str, Any]:
    answer, effects = await escalations.confirm_handoff(ctx.deps, ctx.account_id, p.case_id, p.accept)
    ctx.emit_after(effects)
    return answer


@event("case.escalations")
async def case_escalations(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    return {"escalations": await escalations.case_escalations(ctx.deps, ctx.account_id, p.case_id)}


@event("case.involve_expert")
async def case_involve_expert(ctx: EventContext, p: CaseInvolveExpert) -> dict[str, Any]:
    answer, effects = await experts.involve_expert(ctx.deps, ctx.account_id, p.case_id, p.team)
    ctx.emit_after(effects)
    return answer


@event("case.transfer")
async def case_transfer(ctx: EventContext, p: CaseTransfer) -> dict[str, Any]:
    answer, effects = await transfers.transfer_case(ctx.deps, ctx.account_id, p.case_id, p.to_account_id,
                                                    p.queue, p.note)
    ctx.emit_after(effects)
    return answer


@event("case.flag")
async def case_flag(ctx: EventContext, p: CaseFlag) -> dict[str, Any]:
    alert, effects = await distress.flag_case(ctx.deps, ctx.account_id, p.case_id, p.note)
    ctx.emit_after(effects)
    return {"alert": alert}
