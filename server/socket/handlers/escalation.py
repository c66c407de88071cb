"""Socket events owned by the escalation feature area: routes, escalate, the requester's hand-off answer,
experts, transfer, personal escalation by hand, a case's escalation history."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import distress, escalations, experts, transfers
from server.errors import Invalid
from server.socket.handlers.cases import case_id_of
from server.socket.registry import EventContext, event

NOTE_MAX = 4000


@event("escalation.routes")
async def escalation_routes(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    answer, effects = await escalations.list_routes(ctx.deps, ctx.account_id)
    ctx.emit_after(effects)
    return answer


@event("case.escalate")
async def case_escalate(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    case_id = case_id_of(p)
    route = v.text(p, "route", max_chars=64, multiline=False)
    priority = v.text(p, "priority", max_chars=32, multiline=False)
    note = v.text(p, "note", max_chars=NOTE_MAX)
    category = v.text(p, "category", max_chars=64, multiline=False, required=False)
    checklist = v.string_list(p, "checklist", max_items=50, max_chars=300)
    answer, effects = await escalations.escalate_case(ctx.deps, ctx.account_id, case_id, route, note,  # type: ignore[arg-type]
                                                      priority, checklist, category)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return answer


@event("case.confirm_handoff")
async def case_confirm_handoff(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(p.get("accept"), bool):
        raise Invalid("'accept' must be true or false", field="accept")
    answer, effects = await escalations.confirm_handoff(ctx.deps, ctx.account_id, case_id_of(p), p["accept"])
    ctx.emit_after(effects)
    return answer


@event("case.escalations")
async def case_escalations(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"escalations": await escalations.case_escalations(ctx.deps, ctx.account_id, case_id_of(p))}


@event("case.involve_expert")
async def case_involve_expert(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    team = v.text(p, "team", max_chars=64, multiline=False)
    answer, effects = await experts.involve_expert(ctx.deps, ctx.account_id, case_id_of(p), team)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return answer


@event("case.transfer")
async def case_transfer(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    case_id = case_id_of(p)
    to_account_id = v.integer(p, "to_account_id", required=False, minimum=1)
    queue = v.text(p, "queue", max_chars=64, multiline=False, required=False)
    note = v.text(p, "note", max_chars=NOTE_MAX)
    answer, effects = await transfers.transfer_case(ctx.deps, ctx.account_id, case_id, to_account_id, queue,
                                                    note)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return answer


@event("case.flag")
async def case_flag(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    case_id = case_id_of(p)
    v.choice(p, "kind", (distress.KIND,))
    note = v.text(p, "note", max_chars=NOTE_MAX)
    alert, effects = await distress.flag_case(ctx.deps, ctx.account_id, case_id, note)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return {"alert": alert}
