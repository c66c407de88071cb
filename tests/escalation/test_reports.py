"""Monthly escalation counts for admins, per route and per expert team, with the change from last month."""

from __future__ import annotations

import datetime as dt

from server.clock import UTC
from tests.escalation.helpers import claimed_case, escalate_payload, say
from tests.support import Client, LiveServer


async def escalate(server: LiveServer, alice: Client, name: str, **kw: str) -> dict:
    _, case = await claimed_case(server, alice, name=name)
    await alice.ok("case.escalate", escalate_payload(case["id"], **kw))
    return case


async def test_monthly_counts_with_change(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    erin = await server.staff("erin_social", ["helper"], ["escalation-social"])
    fiona = await server.staff("fiona_frontend", ["helper"], ["experts:frontend"])
    dave = await server.staff("dave_admin", ["admin"])
    server.clock.set(dt.datetime(2025, 12, 10, 9, 0, tzinfo=UTC))  # type: ignore[union-attr]
    await escalate(server, alice, "Dec1")
    await escalate(server, alice, "Dec2", route="mobile", priority="normal")
    server.clock.set(dt.datetime(2026, 1, 12, 9, 0, tzinfo=UTC))  # type: ignore[union-attr]
    met = await escalate(server, alice, "Jan1")
    await escalate(server, alice, "Jan2", priority="normal")
    await escalate(server, alice, "Jan3", route="bugs", priority="low", category="Other")
    await erin.ok("room.join", {"room_id": met["room_id"]})
    await say(erin, met["room_id"], "on it")
    await erin.ok("case.resolve", {"case_id": met["id"]})
    rita, expert_case = await claimed_case(server, alice, name="Jan4")
    await alice.ok("case.involve_expert", {"case_id": expert_case["id"], "team": "experts:frontend"})
    await fiona.ok("room.join", {"room_id": expert_case["room_id"]})
    await say(fiona, expert_case["room_id"], "expert answer")
    await say(rita, expert_case["room_id"], "thanks, I was about to give up")
    await alice.ok("case.flag", {"case_id": expert_case["id"], "kind": "personal_escalation", "note": "stressed"})

    status, report = await server.get("/api/admin/reports/escalations?month=2026-01", dave.token)
    assert status == 200, report
    assert report["month"] == "2026-01" and report["previous_month"] == "2025-12"
    routes = {r["route"]: r for r in report["routes"]}
    social = routes["social"]
    assert (social["escalations"], social["previous"], social["change"], social["change_pct"]) == (2, 1, 1, 100.0)
    assert social["by_priority"] == {"high": 1, "normal": 1} and social["resolved"] == 1
    assert social["target_met"] == 1 and social["target_missed"] == 0
    assert (routes["mobile"]["escalations"], routes["mobile"]["change"]) == (0, -1)
    assert (routes["bugs"]["escalations"], routes["bugs"]["previous"], routes["bugs"]["change_pct"]) == (1, 0, None)
    assert routes["admissions"]["escalations"] == 0, "every configured route is listed"
    experts = {e["team"]: e for e in report["experts"]}
    assert experts["experts:frontend"]["requests"] == 1 and experts["experts:frontend"]["responded"] == 1
    assert experts["experts:frontend"]["change"] == 1 and experts["experts:backend"]["requests"] == 0
    assert report["personal_escalations"]["count"] == 2
    assert report["personal_escalations"]["auto"] == 1 and report["personal_escalations"]["manual"] == 1
    assert report["totals"]["escalations"] == 3 and report["totals"]["previous"] == 2

    status, december = await server.get("/api/admin/reports/escalations?month=2025-12", dave.token)
    assert status == 200 and {r["route"]: r["escalations"] for r in december["routes"]}["social"] == 1
    status, _ = await server.get("/api/admin/reports/escalations?month=2026-13", dave.token)
    assert status == 400
    status, body = await server.get("/api/admin/reports/escalations?month=2026-01", alice.token)
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, _ = await server.get("/api/admin/reports/escalations")
    assert status == 401
    status, current = await server.get("/api/admin/reports/escalations", dave.token)
    assert status == 200 and current["month"] == "2026-01", "defaults to the current month"
