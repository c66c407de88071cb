"""case.escalate end to end on a real server: routes, validation, holding reply, the team card, the
team taking over and resolving, auto-close exemption, response targets, blocker paging, every route."""

from __future__ import annotations

from typing import Any

import pytest

from server.actions import autoclose, escalations
from tests.escalation.helpers import (
    BLOCKER_CHECKLIST,
    case_of,
    claimed_case,
    escalate_payload,
    routes,
    say,
    texts,
)
from tests.support import LiveServer

NOTE = "Asked about a public post; tried the FAQ link and a refresh"


async def test_routes_answer_the_contract_shape(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    all_routes = await routes(alice)
    assert {"social", "mobile", "admissions", "bugs", "experts-frontend"} <= set(all_routes)
    for r in all_routes.values():
        assert {"name", "team", "room_id", "priorities", "checklist"} <= set(r)
        assert isinstance(r["room_id"], int) and r["priorities"] and isinstance(r["checklist"], list)
    bugs = all_routes["bugs"]
    assert bugs["priorities"] == ["blocker", "high", "medium", "low"], "highest first"
    assert bugs["checklist"] == BLOCKER_CHECKLIST
    assert bugs["categories"] == ["IDE", "Chat", "UI", "Account", "Lights", "Other"]
    assert [p["checklist"] for p in bugs["priority_details"]][1:] == [[], [], []]
    assert all_routes["social"]["checklist"] == [] and all_routes["admissions"]["confirm_first"] is True
    assert all_routes["experts-frontend"]["team"] == "experts:frontend"
    # every route's team room exists (created at start) and is listed as a team room
    rooms = {r["id"]: r for r in (await alice.ok("room.list"))["rooms"]}
    assert rooms[all_routes["bugs"]["room_id"]]["name"] == "#bug-reports"
    assert all(rooms[r["room_id"]]["kind"] == "team" for r in all_routes.values())
    rita = await server.requester()
    assert await rita.error("escalation.routes") == "forbidden"


async def test_team_rooms_hold_the_team_after_a_start(server: LiveServer, start_server: Any, config: Any) -> None:
    await server.create_account("erin_social", ["helper"], ["escalation-social"])
    second = await start_server(config)  # a (re)start on the same database syncs the team rooms
    erin = await second.client((await second.login("erin_social"))["token"], "erin")
    social = (await routes(erin))["social"]
    mine = {r["id"]: r for r in (await erin.ok("room.list"))["rooms"]}
    assert mine[social["room_id"]]["membership"] == "member"


async def test_escalate_refuses_bad_input_and_wrong_people(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    rita, case = await claimed_case(server, alice)
    cid = case["id"]
    bad: list[dict[str, Any]] = [
        escalate_payload(cid, note=""),                       # the internal note is required
        escalate_payload(cid, note="   \n "),
        {"case_id": cid, "route": "social", "priority": "high"},
        escalate_payload(cid, route="nowhere"),
        escalate_payload(cid, priority="blocker"),            # social does not allow it
        escalate_payload(cid, priority=""),
        escalate_payload(cid, route="bugs", priority="high"),  # bugs needs a category
        escalate_payload(cid, route="bugs", priority="high", category="Kitchen"),
        escalate_payload(cid, category="IDE"),                # social has no categories
        escalate_payload(cid, checklist="yes"),
        escalate_payload(cid, checklist=["I made this up"]),
    ]
    for payload in bad:
        assert await alice.error("case.escalate", payload) == "invalid", payload
    assert await bob.error("case.escalate", escalate_payload(cid)) == "forbidden"
    assert await rita.error("case.escalate", escalate_payload(cid)) == "forbidden"
    assert await alice.error("case.escalate", escalate_payload(99999)) == "not_found"
    # nothing was half-done
    assert (await case_of(alice, cid))["status"] == "active"
    assert (await alice.ok("case.escalations", {"case_id": cid}))["escalations"] == []
    # a queued case is not escalated (claim it first)
    carol = await server.staff("carol_monitor", ["monitor"])
    ack = await (await server.requester("Quinn")).ok("help.request", {"topic": "general", "body": "hi"})
    assert await carol.error("case.escalate", escalate_payload(ack["case"]["id"])) == "conflict"


async def test_escalation_reaches_team_requester_told_note_stays_internal(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    erin = await server.staff("erin_social", ["helper"], ["escalation-social"])  # not on duty
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)             # not in the team
    rita, case = await claimed_case(server, alice)
    social = (await routes(bob))["social"]

    answer = await alice.ok("case.escalate", escalate_payload(case["id"], note=NOTE))
    assert answer["case"]["status"] == "escalated"
    assert answer["case"]["route"] == "social" and answer["case"]["priority"] == "high"
    esc = answer["escalation"]
    assert esc["status"] == "open" and esc["note"] == NOTE and esc["escalated_by"]["id"] == alice.account["id"]
    assert esc["target_at"] == "2026-01-05T13:00:00.000Z"  # high: 4h from the FakeClock's 09:00

    # the requester gets the holding reply and the status, never the note
    holding = await rita.wait_for("message", lambda m: m["kind"] == "system" and m["meta"].get("event") == "escalated")
    assert holding["body"] == social_holding_reply(server)
    await rita.wait_for("case.updated", lambda c: c["status"] == "escalated")
    # the team gets the card in its team room (erin was made a member as the card went out) and an alert
    card = await erin.wait_for("message", lambda m: m["room_id"] == social["room_id"])
    assert card["kind"] == "system" and card["meta"]["event"] == "escalation"
    assert card["meta"]["case_id"] == case["id"] and card["meta"]["note"] == NOTE
    assert card["meta"]["priority"] == "high" and card["meta"]["by"]["display_name"] == "Alice"
    assert card["meta"]["case_link"] == f"/console#case={case['id']}"
    assert f"Case #{case['id']}" in card["body"]
    alert = await erin.wait_for("alert", lambda a: a["kind"] == "escalation")
    assert alert["case_id"] == case["id"] and alert["route"] == "social"
    # the note reached the staff in the case room as a note
    await alice.wait_for("message", lambda m: m["kind"] == "note" and NOTE in m["body"])
    await rita.settle()
    assert not [t for t in texts(rita) if NOTE in (t or "")]
    assert not [m for m in rita.received("message") if m["kind"] == "note" or "note" in (m.get("meta") or {})]
    assert not bob.received("message", lambda m: m["room_id"] == social["room_id"])
    assert not bob.received("alert")
    history = (await rita.ok("room.history", {"room_id": case["room_id"]}))["messages"]
    assert not [m for m in history if NOTE in (m["body"] or "")]

    # the team takes the case over: joins the room, chats, resolves; the requester is told
    assert await bob.error("room.join", {"room_id": case["room_id"]}) == "forbidden"
    joined = await erin.ok("room.join", {"room_id": case["room_id"]})
    assert joined["room"]["membership"] == "team"
    await say(erin, case["room_id"], "Hi Rita, community team here")
    await rita.wait_for("message", lambda m: m["body"] == "Hi Rita, community team here")
    assert await bob.error("case.resolve", {"case_id": case["id"]}) == "forbidden"
    resolved = await erin.ok("case.resolve", {"case_id": case["id"], "summary": "answered in public"})
    assert resolved["case"]["status"] == "resolved"
    await rita.wait_for("message", lambda m: m["meta"].get("event") == "resolve" if m.get("meta") else False)
    await erin.wait_for("message", lambda m: m["room_id"] == social["room_id"]
                        and (m.get("meta") or {}).get("event") == "escalation_resolved")
    [hist] = (await alice.ok("case.escalations", {"case_id": case["id"]}))["escalations"]
    assert hist["status"] == "resolved" and hist["resolved_by"]["id"] == erin.account["id"]
    assert hist["responded_by"]["id"] == erin.account["id"] and hist["outcome"] == "met"
    assert hist["priority"] == "high" and hist["note"] == NOTE and hist["escalated_at"]
    assert await rita.error("case.escalations", {"case_id": case["id"]}) == "forbidden"


def social_holding_reply(server: LiveServer) -> str:
    route = server.deps.config.escalation.route("social")  # type: ignore[union-attr]
    assert route is not None
    return route.holding_reply


async def test_escalated_case_is_exempt_from_on_hold_auto_close(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    rita, escalated = await claimed_case(server, alice, name="Rita")
    quinn, control = await claimed_case(server, alice, name="Quinn")
    for c in (escalated, control):
        await alice.ok("case.hold", {"case_id": c["id"]})
    answer = await alice.ok("case.escalate", escalate_payload(escalated["id"], priority="normal"))
    assert answer["case"]["status"] == "escalated" and answer["case"]["on_hold_since"] is None

    after = server.deps.config.helpdesk.auto_close.after  # type: ignore[union-attr]
    for _ in range(3):  # notice, then close (the job needs two passes), with plenty of time
        server.clock.advance(seconds=after + 3600)  # type: ignore[union-attr]
        await autoclose.run_once(server.deps, server.clock.now())  # type: ignore[arg-type,union-attr]
    assert (await case_of(alice, control["id"]))["status"] == "resolved", "the job does close quiet held cases"
    assert (await case_of(alice, escalated["id"]))["status"] == "escalated"
    await rita.settle()
    assert not rita.received("message", lambda m: "auto_close" in str((m.get("meta") or {}).get("event")))


async def test_response_target_breach_alerts_the_team_once(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    erin = await server.staff("erin_social", ["helper"], ["escalation-social"])
    _, late = await claimed_case(server, alice, name="Rita")
    _, answered = await claimed_case(server, alice, name="Quinn")
    await alice.ok("case.escalate", escalate_payload(late["id"], priority="high"))        # target 4h
    await alice.ok("case.escalate", escalate_payload(answered["id"], priority="high"))
    await erin.ok("room.join", {"room_id": answered["room_id"]})
    server.clock.advance(hours=1)  # type: ignore[union-attr]
    await say(erin, answered["room_id"], "Looking into it", kind="whisper")  # staff talk: not a response
    await say(erin, answered["room_id"], "Hi, I'm Erin from the community team: on it.")  # the requester sees this

    server.clock.advance(hours=2, minutes=59)  # type: ignore[union-attr]
    assert (await escalations.run_once(server.deps, server.clock.now()))["breached"] == []  # type: ignore[arg-type,union-attr]
    server.clock.advance(minutes=2)  # type: ignore[union-attr]
    done = await escalations.run_once(server.deps, server.clock.now())  # type: ignore[arg-type,union-attr]
    assert len(done["breached"]) == 1
    breach = await erin.wait_for("alert", lambda a: a["kind"] == "sla_breach")
    assert breach["case_id"] == late["id"] and breach["route"] == "social" and breach["priority"] == "high"
    assert breach["overdue_seconds"] == 60 and breach["case_link"].endswith(f"#case={late['id']}")
    assert (await escalations.run_once(server.deps, server.clock.now()))["breached"] == []  # type: ignore[arg-type,union-attr]
    await erin.settle()
    assert len(erin.received("alert", lambda a: a["kind"] == "sla_breach")) == 1
    assert not alice.received("alert", lambda a: a["kind"] == "sla_breach"), "the team is alerted, not the helper"
    [missed] = (await alice.ok("case.escalations", {"case_id": late["id"]}))["escalations"]
    [met] = (await alice.ok("case.escalations", {"case_id": answered["id"]}))["escalations"]
    assert missed["outcome"] == "missed" and missed["target_met"] is False
    assert met["outcome"] == "met" and met["responded_by"]["id"] == erin.account["id"]


async def test_no_target_priority_never_breaches(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    _, case = await claimed_case(server, alice)
    answer = await alice.ok("case.escalate", escalate_payload(case["id"], route="bugs", priority="low",
                                                            category="UI"))
    assert answer["escalation"]["target_at"] is None
    server.clock.advance(days=60)  # type: ignore[union-attr]
    assert (await escalations.run_once(server.deps, server.clock.now()))["breached"] == []  # type: ignore[arg-type,union-attr]


async def test_blocker_needs_every_checklist_item_then_pages_on_call(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    olga = await server.staff("olga_oncall", ["helper"], ["on-call"])  # off duty: paged anyway
    tim = await server.staff("tim_bugs", ["helper"], ["bug-triage"])
    rita, case = await claimed_case(server, alice)
    blocker = escalate_payload(case["id"], route="bugs", priority="blocker", category="ide",
                               note="The IDE will not load for this user at all")

    answer = await alice.call("case.escalate", {**blocker, "checklist": BLOCKER_CHECKLIST[:3]})
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    assert answer["error"]["missing"] == BLOCKER_CHECKLIST[3:]
    assert all(item in answer["error"]["message"] for item in BLOCKER_CHECKLIST[3:])
    assert await alice.error("case.escalate", blocker) == "invalid"  # no checklist at all
    await olga.settle()
    assert not olga.received("alert") and (await case_of(alice, case["id"]))["status"] == "active"

    ok = await alice.ok("case.escalate", {**blocker, "checklist": [i.upper() for i in reversed(BLOCKER_CHECKLIST)]})
    assert ok["escalation"]["checklist"] == list(reversed(BLOCKER_CHECKLIST)), "stored as the route's texts"
    assert ok["escalation"]["category"] == "IDE" and ok["escalation"]["paged_at"]
    page = await olga.wait_for("alert", lambda a: a["kind"] == "blocker")
    assert page["case_id"] == case["id"] and page["priority"] == "blocker" and page["category"] == "IDE"
    assert page["note"] == "The IDE will not load for this user at all" and page["case_link"]
    card = await tim.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "escalation")
    assert card["meta"]["priority"] == "blocker"
    await rita.settle()
    assert not rita.received("alert")


async def test_high_bug_does_not_page(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    olga = await server.staff("olga_oncall", ["helper"], ["on-call"])
    _, case = await claimed_case(server, alice)
    await alice.ok("case.escalate", escalate_payload(case["id"], route="bugs", priority="high", category="Chat",
                                                     checklist=BLOCKER_CHECKLIST[:1]))  # extra items are fine
    await olga.settle()
    assert not olga.received("alert")


@pytest.mark.parametrize("route", ["social", "mobile", "admissions", "bugs", "experts-frontend", "experts-backend",
                                   "experts-data"])
async def test_every_default_route_end_to_end(server: LiveServer, route: str) -> None:
    cfg = server.deps.config.escalation.route(route)  # type: ignore[union-attr]
    assert cfg is not None
    alice = await server.staff("alice_helper", ["helper"])
    member = await server.staff("tess_team", ["helper"], [cfg.team])
    rita, case = await claimed_case(server, alice)
    lowest = cfg.priorities[-1]
    payload = escalate_payload(case["id"], route=route, priority=lowest.name, note=f"For {route}: see above",
                               category=cfg.categories[0] if cfg.categories else None)
    answer = await alice.ok("case.escalate", payload)
    if cfg.confirm_first:
        assert answer["escalation"]["status"] == "pending_confirmation"
        await rita.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "handoff_question")
        await rita.ok("case.confirm_handoff", {"case_id": case["id"], "accept": True})
    await rita.wait_for("message", lambda m: m["body"] == cfg.holding_reply)
    card = await member.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "escalation")
    assert card["meta"]["route"] == route and card["meta"]["case_id"] == case["id"]
    await member.ok("room.join", {"room_id": case["room_id"]})
    await say(member, case["room_id"], f"{route} team here")
    await rita.wait_for("message", lambda m: m["body"] == f"{route} team here")
    await member.ok("case.resolve", {"case_id": case["id"]})
    [hist] = (await alice.ok("case.escalations", {"case_id": case["id"]}))["escalations"]
    assert hist["status"] == "resolved" and hist["route"] == route


async def test_admissions_asks_the_requester_first(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    adam = await server.staff("adam_admissions", ["helper"], ["admissions"])
    rita, case = await claimed_case(server, alice, body="How much does the course cost?")
    payload = escalate_payload(case["id"], route="admissions", priority="normal", note="Pricing question")
    assert await rita.error("case.confirm_handoff", {"case_id": case["id"], "accept": True}) == "conflict"

    asked = await alice.ok("case.escalate", payload)
    assert asked["escalation"]["status"] == "pending_confirmation" and asked["case"]["status"] == "active"
    question = await rita.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "handoff_question")
    assert "May we pass your chat" in question["body"] and question["meta"]["answers"] == ["accept", "decline"]
    assert "Pricing question" not in str(question)
    assert await alice.error("case.confirm_handoff", {"case_id": case["id"], "accept": True}) == "forbidden"
    assert await rita.error("case.confirm_handoff", {"case_id": case["id"], "accept": "yes"}) == "invalid"
    await adam.settle()
    assert not adam.received("message") and not adam.received("alert"), "no card before the requester agrees"

    declined = await rita.ok("case.confirm_handoff", {"case_id": case["id"], "accept": False})
    assert declined["case"]["status"] == "active" and declined["case"]["helper"]["id"] == alice.account["id"]
    await rita.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "handoff_declined")
    await alice.wait_for("message", lambda m: m["kind"] == "note" and "declined" in m["body"])
    assert await rita.error("case.confirm_handoff", {"case_id": case["id"], "accept": True}) == "conflict"

    await alice.ok("case.escalate", payload)  # asked again later: this time the requester agrees
    accepted = await rita.ok("case.confirm_handoff", {"case_id": case["id"], "accept": True})
    assert accepted["case"]["status"] == "escalated" and accepted["case"]["route"] == "admissions"
    await rita.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "escalated")
    card = await adam.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "escalation")
    assert card["meta"]["note"] == "Pricing question"
    history = (await alice.ok("case.escalations", {"case_id": case["id"]}))["escalations"]
    assert [(e["status"], e["outcome"]) for e in history] == [("declined", "not_escalated"), ("open", "pending")]
    await rita.settle()
    assert not [m for m in rita.received("message") if "Pricing question" in (m["body"] or "")]


async def test_escalating_to_your_own_team_does_not_alert_you(server: LiveServer) -> None:
    """Erin is in the social team and escalates her own case there: her teammate is alerted, she is not
    (no live alert, nothing stored in her inbox): the alert would only tell her what she just did."""
    erin = await server.staff("erin_social", ["helper"], ["escalation-social"])
    fay = await server.staff("fay_social", ["helper"], ["escalation-social"])
    _, case = await claimed_case(server, erin)
    await erin.ok("case.escalate", escalate_payload(case["id"], note=NOTE))
    alert = await fay.wait_for("alert", lambda a: a["kind"] == "escalation")
    assert alert["case_id"] == case["id"] and alert["by"]["display_name"] == "Erin"
    await erin.settle()
    assert not erin.received("alert", lambda a: a["kind"] == "escalation")
    stored = (await erin.ok("alert.list", {}))["alerts"]
    assert not [a for a in stored if a["kind"] == "escalation"], stored
