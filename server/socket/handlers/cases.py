"""The help desk flow's core events: request, queue, claim, hold, resume, resolve."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import cases
from server.socket.registry import EventContext, event


def case_id_of(p: dict[str, Any]) -> int:
    return v.integer(p, "case_id", minimum=1)  # type: ignore[return-value]


@event("help.request")
async def help_request(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    topic = v.text(p, "topic", max_chars=64, multiline=False, required=False, default="") or ""
    topic = topic.strip() or ctx.deps.config.helpdesk.default_queue
    body = v.text(p, "body", max_chars=ctx.deps.config.limits.message_max_chars)
    client_id = v.text(p, "client_id", max_chars=ctx.deps.config.limits.client_id_max_chars,
                       multiline=False, required=False)
    answer, effects = await cases.request_help(ctx.deps, ctx.account_id, topic, body, client_id)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return answer


@event("queue.list")
async def queue_list(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return await cases.queue_outlook(ctx.deps, ctx.account_id)


@event("case.get")
async def case_get(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"case": await cases.get_case(ctx.deps, ctx.account_id, case_id_of(p))}


@event("case.claim")
async def case_claim(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await cases.claim_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.hold")
async def case_hold(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await cases.hold_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.resume")
async def case_resume(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await cases.resume_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("case.resolve")
async def case_resolve(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    summary = v.text(p, "summary", max_chars=4000, required=False)
    view, effects = await cases.resolve_case(ctx.deps, ctx.account_id, case_id_of(p), summary)
    ctx.emit_after(effects)
    return {"case": view}
