"""Socket events of the alerts area: list and acknowledge my stored alerts."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import alerts, contact
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


@event("case.contact")
async def case_contact(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    """The requester leaves an e-mail address for replies while away ("" removes it)."""
    case_id = v.integer(p, "case_id", minimum=1)
    email = v.text(p, "email", max_chars=320, required=False, multiline=False) or ""
    return await contact.set_contact(ctx.deps, ctx.account_id, case_id, email)
