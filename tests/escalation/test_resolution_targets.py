"""Resolution targets beside response targets (issue 12, point 6): the bug route's priorities carry both
(config.yaml: high = respond and resolve within 24h); a passed resolution target raises one stored
sla_breach that runs the sla_breach chain; a whisper never counts as the response; the monthly report
counts met and breached for both, per priority. Time moves through the scheduler on the FakeClock."""

from __future__ import annotations

import datetime as dt

from server.clock import UTC
from tests.escalation.helpers import claimed_case, escalate_payload, say
from tests.support import LiveServer

DAY = 86400


def breach(sla: str, case_id: int) -> object:
    return lambda a: a["kind"] == "sla_breach" and a.get("sla") == sla and a["case_id"] == case_id


async def test_resolution_target_breach_is_alerted_at_the_target_and_counted_with_the_response(
        server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None and server.clock is not None
    server.clock.set(dt.datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    alice = await server.staff("alice_helper", ["helper"])
    tim = await server.staff("tim_bugs", ["helper"], ["bug-triage"])
    dave = await server.staff("dave_admin", ["admin"])
    _, fixed = await claimed_case(server, alice, name="Rita")
    _, stuck = await claimed_case(server, alice, name="Quinn")
    for case in (fixed, stuck):
        answer = await alice.ok("case.escalate", escalate_payload(case["id"], route="bugs", priority="high",
                                                                category="IDE", note="Build fails on save"))
        esc = answer["escalation"]
        assert esc["resolution_target_at"] is not None and esc["target_at"] == esc["resolution_target_at"]
    for case in (fixed, stuck):
        await tim.ok("room.join", {"room_id": case["room_id"]})
    await say(tim, stuck["room_id"], "reproduced, looking at the compiler flags", kind="whisper")  # staff only
    await say(tim, fixed["room_id"], "I can reproduce it; a fix is on its way.")
    await deps.scheduler.advance(3 * 3600)
    await tim.ok("case.resolve", {"case_id": fixed["id"]})

    await deps.scheduler.advance(DAY - 3 * 3600 - 120)  # just before the targets: nothing yet
    await tim.settle(0.1)
    assert not tim.received("alert", lambda a: a["kind"] == "sla_breach")
    await deps.scheduler.advance(180)  # the targets pass (the job runs every escalation.sla_check_interval)
    resolution = await tim.wait_for("alert", breach("escalation_resolution", stuck["id"]))
    assert resolution["priority"] == "high" and resolution["route"] == "bugs" and isinstance(resolution["id"], int)
    assert 0 <= resolution["overdue_seconds"] <= 180
    await tim.wait_for("alert", breach("escalation_response", stuck["id"]))  # the whisper did not count
    await deps.scheduler.advance(3600)
    await tim.settle(0.1)
    assert len(tim.received("alert", lambda a: a["kind"] == "sla_breach")) == 2, "once each"
    assert not tim.received("alert", lambda a: a["kind"] == "sla_breach" and a["case_id"] == fixed["id"])
    # through the alert machinery: nobody acknowledged, so the sla_breach chain reached the admins
    await dave.wait_for("alert", lambda a: a.get("sla") == "escalation_resolution" and a.get("chain_step") == 1)
    notes = [m["body"] for m in (await tim.ok("room.history", {"room_id": stuck["room_id"], "limit": 100}))["messages"]
             if m["kind"] == "note"]
    assert any("sla breach sent to Tim" in n for n in notes), notes

    [fixed_esc] = (await alice.ok("case.escalations", {"case_id": fixed["id"]}))["escalations"]
    [stuck_esc] = (await alice.ok("case.escalations", {"case_id": stuck["id"]}))["escalations"]
    assert (fixed_esc["target_met"], fixed_esc["resolution_met"]) == (True, True)
    assert (stuck_esc["target_met"], stuck_esc["resolution_met"]) == (False, False)

    status, report = await server.get("/api/admin/reports/escalations?month=2026-01", dave.token)
    assert status == 200, report
    expected = {"response": {"met": 1, "breached": 1, "open_or_none": 0},
                "resolution": {"met": 1, "breached": 1, "open_or_none": 0}}
    assert report["targets_by_priority"] == {"high": expected}
    bugs = {r["route"]: r for r in report["routes"]}["bugs"]
    assert bugs["targets_by_priority"] == {"high": expected}
