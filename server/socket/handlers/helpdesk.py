"""Socket events owned by the helpdesk feature area: duty, abandon, queue position, canned responses."""

from __future__ import annotations

from typing import Any

from server.actions import abandon, canned, duty, queue
from server.schemas.base import Empty
from server.schemas.cases import CaseRef
from server.schemas.helpdesk import CannedRender, DutySet
from server.socket.registry import EventContext, event


@event("duty.set")
async def duty_set(ctx: EventContext, p: DutySet) -> dict[str, Any]:
    account, effects = await duty.set_duty(ctx.deps, ctx.account_id, p.on_duty)
    ctx.emit_after(effects)
    return {"account": account}


@event("case.abandon")
async def case_abandon(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    view, effects = await abandon.abandon_case(ctx.deps, ctx.account_id, p.case_id)
    ctx.emit_after(effects)
    return {"case": view}


@event("queue.position")
async def queue_position(ctx: EventContext, p: CaseRef) -> dict[str, Any]:
    return await queue.position_for(ctx.deps, ctx.account_id, p.case_id)


@event("canned.list")
async def canned_list(ctx: EventContext, p: Empty) -> dict[str, Any]:
    return {"canned": await canned.list_for_staff(ctx.deps, ctx.account_id)}


@event("canned.render")
async def canned_render(ctx: EventContext, p: CannedRender) -> dict[str, Any]:
    text = await canned.render(ctx.deps, ctx.account_id, p.shortcut, p.case_id)
    return {"text": text}
