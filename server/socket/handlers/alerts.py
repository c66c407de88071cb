"""Socket events of the alerts area: list and acknowledge my stored alerts."""

from __future__ import annotations

from typing import Any

from server.actions import alerts, contact
from server.schemas.alerts import AlertAck, AlertList, CaseContact
from server.socket.registry import EventContext, event


@event("alert.list")
async def alert_list(ctx: EventContext, p: AlertList) -> dict[str, Any]:
    return await alerts.list_alerts(ctx.deps, ctx.account_id, p.unacknowledged)


@event("alert.ack")
async def alert_ack(ctx: EventContext, p: AlertAck) -> dict[str, Any]:
    ctx.emit_after(await alerts.acknowledge(ctx.deps, ctx.account_id, p.id))
    return {}


@event("case.contact")
async def case_contact(ctx: EventContext, p: CaseContact) -> dict[str, Any]:
    """The requester leaves an e-mail address for replies while away ("" removes it)."""
    return await contact.set_contact(ctx.deps, ctx.account_id, p.case_id, p.email or "")
