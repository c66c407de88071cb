"""The help desk flow's core events: request, queue, claim, hold, resume, resolve."""

from __future__ import annotations

from typing import Any

from server.actions import cases
from server.schemas.base import Empty
from server.schemas.cases import CaseRef, CaseResolve, HelpRequest
from server.socket.registry import EventContext, event


@event("help.request")
async def help_request(ctx: EventContext, p: HelpRequest) -> dict[str, Any]:
    topic = (p.topic or "").strip() or ctx.deps.config.helpdesk.default_queue
    answer, effects = await cases.request_help(ctx.deps, ctx.account_id, topic, p.body, p.client_id)
    ctx.emit_after(effects)
    return answer


@event("queue.list")
async def queue_list(ctx: EventContext, p: Empty) -> dict[str, Any]:
    return await cases.queue_outlook(ctx.deps, ctx.account_id)


@event("case.get")
async def case_get(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    return {"case": await cases.get_case(ctx.deps, ctx.account_id, p.case_id)}


@event("case.claim")
async def case_claim(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await cases.claim_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.hold")
async def case_hold(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await cases.hold_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.resume")
async def case_resume(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await cases.resume_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("case.resolve")
async def case_resolve(ctx: EventContext, p: CaseResolve) -> dict[str, Any]:
    view, effects = await cases.resolve_case(ctx.deps, ctx.account_id, p.case_id, p.summary)
    ctx.emit_after(effects)
    return {"case": view}
