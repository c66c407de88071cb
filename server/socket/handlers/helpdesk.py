"""Socket events owned by the helpdesk feature area: duty, abandon, queue position, canned responses."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import abandon, canned, duty, queue
from server.errors import Invalid
from server.socket.registry import EventContext, event


def case_id_of(p: dict[str, Any]) -> int:
    return v.integer(p, "case_id", minimum=1)  # type: ignore[return-value]


@event("duty.set")
async def duty_set(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    if "on_duty" not in p:
        raise Invalid("'on_duty' is required", field="on_duty")
    account, effects = await duty.set_duty(ctx.deps, ctx.account_id, v.boolean(p, "on_duty"))
    ctx.emit_after(effects)
    return {"account": account}


@event("case.abandon")
async def case_abandon(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    view, effects = await abandon.abandon_case(ctx.deps, ctx.account_id, case_id_of(p))
    ctx.emit_after(effects)
    return {"case": view}


@event("queue.position")
async def queue_position(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return await queue.position_for(ctx.deps, ctx.account_id, case_id_of(p))


@event("canned.list")
async def canned_list(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"canned": await canned.list_for_staff(ctx.deps, ctx.account_id)}


@event("canned.render")
async def canned_render(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    shortcut = v.text(p, "shortcut", max_chars=40, multiline=False)
    text = await canned.render(ctx.deps, ctx.account_id, shortcut, case_id_of(p))  # type: ignore[arg-type]
    return {"text": text}
