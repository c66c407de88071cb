"""Socket events of the alerts area: list and acknowledge my stored alerts."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import alerts
from server.socket.registry import EventContext, event


@event("alert.list")
async def alert_list(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    only = v.boolean(p, "unacknowledged", False)
    return await alerts.list_alerts(ctx.deps, ctx.account_id, only)


@event("alert.ack")
async def alert_ack(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    alert_id = v.integer(p, "id", minimum=1)
    assert alert_id is not None
    ctx.emit_after(await alerts.acknowledge(ctx.deps, ctx.account_id, alert_id))
    return {}
