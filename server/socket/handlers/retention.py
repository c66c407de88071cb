"""Socket events owned by the retention feature area."""

from __future__ import annotations

from typing import Any

from server import validate as v
from server.actions import sensitive
from server.socket.registry import EventContext, event


@event("message.mark_sensitive")
async def message_mark_sensitive(ctx: EventContext, p: dict[str, Any]) -> dict[str, Any]:
    message_id = v.integer(p, "message_id", minimum=1)
    answer, effects = await sensitive.mark_sensitive(ctx.deps, ctx.account_id, message_id)  # type: ignore[arg-type]
    ctx.emit_after(effects)
    return answer
