"""Case transcripts as plain text: what the downloader may see of the room, nothing more.

The visibility rule is the one in roles/policy.py (message_view via messages.views_for): the requester
gets their chat and system messages (their own sensitive ones included: they are theirs), never a
whisper or a note; staff get their own view (sensitive bodies redacted unless they may see them).
"""

from __future__ import annotations

from typing import Any

from roles import policy
from server.actions.access import access_case, authorized_room
from server.actions.messages import views_for
from server.clock import iso
from server.deps import Deps
from server.storage.facts import load_actor
from server.storage.messages import messages_after

PAGE = 1000


def _when(iso_text: str | None) -> str:
    """'2026-01-05T09:00:12.345Z' -> '2026-01-05 09:00:12 UTC'."""
    return iso_text[:19].replace("T", " ") + " UTC" if iso_text else ""


def _line(m: dict[str, Any]) -> str:
    when = _when(m.get("created_at"))
    if m.get("purged"):
        body = "[removed]"
    elif m.get("body") is None:
        body = "[sensitive content hidden]"
    else:
        body = str(m["body"])
    body = body.replace("\r\n", "\n").replace("\n", "\n    ")
    if m["kind"] == "system":
        return f"[{when}] * {body}"
    name = (m.get("sender") or {}).get("display_name") or "?"
    label = f" ({m['kind']})" if m["kind"] in policy.STAFF_ONLY_KINDS else ""
    return f"[{when}] {name}{label}: {body}"


async def transcript(deps: Deps, actor_id: int, case_id: Any) -> tuple[str, str]:
    """(filename, text) of the case's transcript as the caller may see it."""
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        case = await access_case(s, case_id)
        room, facts = await authorized_room(s, actor, case.room_id, policy.can_read_transcript)
        lines = [
            f"Live help transcript - case #{case.id}",
            f"Topic: {case.topic}",
            f"Opened: {_when(iso(case.created_at))}",
            f"Status: {case.status.replace('_', ' ')}" + (f" (closed {_when(iso(case.closed_at))})" if case.closed_at else ""),
        ]
        if case.summary and policy.sees_case_summary(actor):
            lines.append(f"Summary: {case.summary}")
        lines.append("")
        after = 0
        while True:
            batch = await messages_after(s, room.id, after, PAGE)
            if not batch:
                break
            for m in await views_for(s, deps, actor, facts.membership, facts.case, batch):
                lines.append(_line(m))
            after = batch[-1].seq
            if len(batch) < PAGE:
                break
    return f"livehelp-case-{case.id}.txt", "\n".join(lines) + "\n"
