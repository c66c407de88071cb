"""Socket events owned by the retention feature area."""

from __future__ import annotations

from typing import Any

from server.actions import sensitive
from server.schemas.retention import MessageMarkSensitive
from server.socket.registry import EventContext, event


@event("message.mark_sensitive")
async def message_mark_sensitive(ctx: EventContext, p: MessageMarkSensitive) -> dict[str, Any]:
    answer, effects = await sensitive.mark_sensitive(ctx.deps, ctx.account_id, p.message_id)
    ctx.emit_after(effects)
    return answer
