"""The resolve summary is staff-only (issue 13, defect 3): never in the requester's transcript download,
case.updated, or case answers; staff still get it."""

from __future__ import annotations

from typing import Any

from tests.roles.helpers import open_case, send
from tests.support import LiveServer

SUMMARY = "SECRET-SUMMARY: requester seemed evasive"


async def test_the_summary_never_reaches_the_requester(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, case, room_id = await open_case(server)
    await alice.ok("case.claim", {"case_id": case["id"]})
    await send(alice, room_id, "hello")
    await alice.ok("case.resolve", {"case_id": case["id"], "summary": SUMMARY})
    await rita.wait_for("case.updated", lambda c: c["status"] == "resolved")
    await rita.settle(0.2)

    def leaks(x: Any) -> bool:
        return "SECRET-SUMMARY" in repr(x)

    assert not any(leaks(v) for evs in rita.events.values() for v in evs)
    status, text = await server.get(f"/api/cases/{case['id']}/transcript", token=rita.token)
    assert status == 200 and "I need help" in text and "Summary" not in text and not leaks(text)
    status, body = await server.get(f"/api/cases/{case['id']}", token=rita.token)
    assert not leaks(body)
    status, text = await server.get(f"/api/cases/{case['id']}/transcript", token=alice.token)
    assert status == 200 and f"Summary: {SUMMARY}" in text
    assert alice.received("case.updated", lambda c: c.get("summary") == SUMMARY)
