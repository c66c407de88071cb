"""Involving an expert team: mention alert, expert requested -> responded, the case stays with its helper."""

from __future__ import annotations

from typing import Any

from tests.escalation.helpers import case_of, claimed_case, escalate_payload, routes, say
from tests.support import LiveServer


async def test_expert_mention_then_responded(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    fiona = await server.staff("fiona_frontend", ["helper"], ["experts:frontend"])
    bruno = await server.staff("bruno_backend", ["helper"], ["experts:backend"])
    bob = await server.staff("bob_helper", ["helper"])
    rita, case = await claimed_case(server, alice, body="My flexbox layout collapses on Safari")

    answer = await alice.ok("case.involve_expert", {"case_id": case["id"], "team": "experts:frontend"})
    assert answer["case"]["status"] == "active" and answer["case"]["helper"]["id"] == alice.account["id"]
    [requested] = answer["case"]["experts"]
    assert requested["team"] == "experts:frontend" and requested["status"] == "requested"
    mention = await fiona.wait_for("alert", lambda a: a["kind"] == "expert_mention")
    assert mention["case_id"] == case["id"] and mention["team"] == "experts:frontend"
    assert mention["case_link"] == f"/console#case={case['id']}"
    assert f"#{case['id']}" in mention["text"] and mention["case_link"] in mention["text"]
    assert mention["by"]["display_name"] == "Alice"
    await bruno.settle()
    assert not bruno.received("alert") and not bob.received("alert"), "only that team is mentioned"
    assert not rita.received("alert")
    # asking the same team again changes nothing and alerts nobody twice
    await alice.ok("case.involve_expert", {"case_id": case["id"], "team": "experts:frontend"})
    await fiona.settle()
    assert len(fiona.received("alert")) == 1

    # the expert joins the case room and answers in the case; the first message marks "responded"
    assert await bob.error("room.join", {"room_id": case["room_id"]}) == "forbidden"
    assert await bruno.error("room.join", {"room_id": case["room_id"]}) == "forbidden"
    joined = await fiona.ok("room.join", {"room_id": case["room_id"]})
    assert joined["room"]["membership"] == "expert"
    await say(fiona, case["room_id"], "Try display: flex on the parent and min-width: 0 on the child")
    await rita.wait_for("message", lambda m: (m["body"] or "").startswith("Try display: flex"))
    updated = await alice.wait_for("case.updated", lambda c: c["id"] == case["id"]
                                   and c["experts"] and c["experts"][0]["status"] == "responded")
    assert updated["experts"][0]["responded_at"] and updated["status"] == "active"
    assert (await case_of(alice, case["id"]))["experts"][0]["status"] == "responded"
    # the expert neither owns nor can resolve the case; the helper resolves it
    assert await fiona.error("case.resolve", {"case_id": case["id"]}) == "forbidden"
    resolved = await alice.ok("case.resolve", {"case_id": case["id"]})
    assert resolved["case"]["experts"][0]["status"] == "responded"


async def test_involve_expert_refusals(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    rita, case = await claimed_case(server, alice)
    assert await alice.error("case.involve_expert", {"case_id": case["id"], "team": "experts:cooking"}) == "invalid"
    assert await alice.error("case.involve_expert", {"case_id": case["id"], "team": "escalation-social"}) == "invalid"
    assert await alice.error("case.involve_expert", {"case_id": case["id"]}) == "invalid"
    assert await bob.error("case.involve_expert", {"case_id": case["id"], "team": "experts:data"}) == "forbidden"
    assert await rita.error("case.involve_expert", {"case_id": case["id"], "team": "experts:data"}) == "forbidden"
    await alice.ok("case.resolve", {"case_id": case["id"]})
    assert await alice.error("case.involve_expert", {"case_id": case["id"], "team": "experts:data"}) == "conflict"
    assert (await case_of(alice, case["id"]))["experts"] == []


async def test_a_held_case_waiting_for_an_expert_is_not_auto_closed(server: LiveServer) -> None:
    """Nothing is closed by accident: while an expert team asked in has not answered, the on-hold
    auto-close leaves the case alone (policy.autoclose_exempt); once the expert answered, it applies again."""
    from server.actions import autoclose

    alice = await server.staff("alice_helper", ["helper"])
    fiona = await server.staff("fiona_frontend", ["helper"], ["experts:frontend"])
    rita, waiting = await claimed_case(server, alice, body="My grid collapses")
    quinn, control = await claimed_case(server, alice, name="Quinn")
    await alice.ok("case.involve_expert", {"case_id": waiting["id"], "team": "experts:frontend"})
    for c in (waiting, control):
        await alice.ok("case.hold", {"case_id": c["id"]})
    after = server.deps.config.helpdesk.auto_close.after  # type: ignore[union-attr]
    for _ in range(2):  # notice, then close, with plenty of time
        server.clock.advance(seconds=after + 3600)  # type: ignore[union-attr]
        await autoclose.run_once(server.deps, server.clock.now())  # type: ignore[arg-type,union-attr]
    assert (await case_of(alice, control["id"]))["status"] == "resolved", "the job does close quiet held cases"
    assert (await case_of(alice, waiting["id"]))["status"] == "on_hold"
    await rita.settle()
    assert not rita.received("message", lambda m: "will close" in (m["body"] or ""))

    await fiona.ok("room.join", {"room_id": waiting["room_id"]})
    await say(fiona, waiting["room_id"], "Use minmax() for the columns")
    await alice.wait_for("case.updated", lambda c: c["id"] == waiting["id"] and c["experts"]
                         and c["experts"][0]["status"] == "responded")
    done: dict[str, list[int]] = {"warned": [], "closed": []}
    for _ in range(2):
        server.clock.advance(seconds=after + 3600)  # type: ignore[union-attr]
        got = await autoclose.run_once(server.deps, server.clock.now())  # type: ignore[arg-type,union-attr]
        done = {k: done[k] + got[k] for k in done}
    assert done == {"warned": [waiting["id"]], "closed": [waiting["id"]]}
    closed = await case_of(alice, waiting["id"])
    assert closed["status"] == "resolved" and closed["experts"][0]["status"] == "responded"


async def test_only_a_chat_the_helper_or_requester_sees_answers_an_expert_request(server: LiveServer) -> None:
    """Issue 15: an expert's whisper or note stays among staff, so the request stays `requested`; the
    expert's first `chat` (what the requester and the helper both see) marks it responded."""
    alice = await server.staff("alice_helper", ["helper"])
    fiona = await server.staff("fiona_frontend", ["helper"], ["experts:frontend"])
    rita, case = await claimed_case(server, alice, body="My media query never matches")
    await alice.ok("case.involve_expert", {"case_id": case["id"], "team": "experts:frontend"})
    await fiona.ok("room.join", {"room_id": case["room_id"]})
    await say(fiona, case["room_id"], "Psst: check the viewport meta tag", kind="whisper")
    await say(fiona, case["room_id"], "Probably the viewport", kind="note")
    await alice.settle()
    assert (await case_of(alice, case["id"]))["experts"][0]["status"] == "requested"
    assert not alice.received("case.updated", lambda c: c["id"] == case["id"] and c["experts"]
                              and c["experts"][0]["status"] == "responded")
    answer = await say(fiona, case["room_id"], "Add <meta name=viewport> to the page head")
    updated = await alice.wait_for("case.updated", lambda c: c["id"] == case["id"] and c["experts"]
                                   and c["experts"][0]["status"] == "responded")
    assert updated["experts"][0]["responded_at"] == answer["created_at"]
    await rita.wait_for("message", lambda m: m["id"] == answer["id"])


async def test_bug_categories_ship_lights_and_stay_editable(start_server: Any, database_url: str) -> None:
    from tests.support import make_config

    shipped = make_config(database_url).escalation.route("bugs")
    assert shipped is not None and "Lights" in shipped.categories
    edited = make_config(database_url, {"escalation": {"routes": {"bugs": {"categories": ["Lights", "Sound"]}}}})
    server = await start_server(edited)
    alice = await server.staff("alice_helper", ["helper"])
    assert (await routes(alice))["bugs"]["categories"] == ["Lights", "Sound"]
    _, case = await claimed_case(server, alice, body="The stage lights app crashes")
    assert await alice.error("case.escalate", escalate_payload(case["id"], route="bugs", priority="low",
                                                               category="IDE")) == "invalid"
    await alice.ok("case.escalate", escalate_payload(case["id"], route="bugs", priority="low", category="Lights"))
