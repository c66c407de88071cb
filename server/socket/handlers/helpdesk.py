"""Socket events owned by the helpdesk feature area: duty, ..."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import duty
from server.errors import Invalid
from server.socket.registry import EventContext, event


@event("duty.set")
async def duty_set(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    if "on_duty" not in p:
        raise Invalid("'on_duty' is required", field="on_duty")
    account, effects = await duty.set_duty(ctx.deps, ctx.account_id, v.boolean(p, "on_duty"))
    ctx.emit_after(effects)
    return {"account": account}
