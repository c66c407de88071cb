"""case.transfer without escalation: to another helper, or back to a queue, with a staff note."""

from __future__ import annotations

from tests.escalation.helpers import case_of, claimed_case, escalate_payload, say
from tests.support import LiveServer

NOTE = "Knows the grading system better than I do"


async def test_transfer_to_another_helper(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    rita, case = await claimed_case(server, alice)
    answer = await alice.ok("case.transfer", {"case_id": case["id"], "to_account_id": bob.account["id"], "note": NOTE})
    assert answer["case"]["helper"]["id"] == bob.account["id"] and answer["case"]["status"] == "active"
    got = await bob.wait_for("alert", lambda a: a["kind"] == "transfer")
    assert got["case_id"] == case["id"] and got["note"] == NOTE and got["by"]["display_name"] == "Alice"
    await rita.wait_for("message", lambda m: m["body"] == "Bob is taking over this chat.")
    # bob is in the room now and works the case; alice may only whisper
    note = await bob.wait_for("message", lambda m: m["kind"] == "note" and NOTE in m["body"])
    assert note["sender"]["id"] == alice.account["id"]
    await say(bob, case["room_id"], "Hi Rita, Bob here")
    await rita.wait_for("message", lambda m: m["body"] == "Hi Rita, Bob here")
    assert await alice.error("message.send", {"room_id": case["room_id"], "body": "x", "client_id": "x"}) == "forbidden"
    await say(alice, case["room_id"], "good luck", kind="whisper")
    await alice.ok("room.leave", {"room_id": case["room_id"]})
    await bob.ok("case.resolve", {"case_id": case["id"]})
    await rita.settle()
    assert not [m for m in rita.received("message") if NOTE in (m["body"] or "") or m["kind"] != "chat"
                and m["kind"] != "system"]
    assert not rita.received("alert")


async def test_transfer_back_to_a_queue(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)
    rita, case = await claimed_case(server, alice)
    positions = len(rita.received("queue.position"))
    answer = await alice.ok("case.transfer", {"case_id": case["id"], "queue": "general", "note": NOTE})
    assert answer["case"]["status"] == "queued" and answer["case"]["helper"] is None
    alert = await bob.wait_for("queue.alert", lambda a: a["case"]["id"] == case["id"] and a["reason"] == "transferred")
    assert alert["case"]["status"] == "queued" and alert["case"]["queue"] == "general"
    await rita.wait_for("message", lambda m: (m.get("meta") or {}).get("event") == "transferred")
    await rita.wait_for("case.updated", lambda c: c["status"] == "queued")
    # the requester learns their place in the queue again (one more queue.position than at the request)
    await rita.wait_for("queue.position", lambda q: len(rita.received("queue.position")) > positions)
    assert rita.received("queue.position")[-1]["case_id"] == case["id"]
    claimed = await bob.ok("case.claim", {"case_id": case["id"]})
    assert claimed["case"]["helper"]["id"] == bob.account["id"]
    # the note stays in the case's history for staff
    history = (await bob.ok("room.history", {"room_id": case["room_id"], "limit": 100}))["messages"]
    assert [m for m in history if m["kind"] == "note" and NOTE in m["body"]]


async def test_transfer_refusals(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    tom = await server.staff("tom_trainee", ["trainee"])
    rita, case = await claimed_case(server, alice)
    cid = case["id"]
    for payload in (
        {"case_id": cid, "note": NOTE},                                               # neither
        {"case_id": cid, "to_account_id": bob.account["id"], "queue": "general", "note": NOTE},  # both
        {"case_id": cid, "queue": "nowhere", "note": NOTE},
        {"case_id": cid, "queue": "general", "note": ""},                             # the note is required
        {"case_id": cid, "to_account_id": tom.account["id"], "note": NOTE},           # trainees do not take cases alone
        {"case_id": cid, "to_account_id": alice.account["id"], "note": NOTE},         # already hers
        {"case_id": cid, "to_account_id": rita.account["id"], "note": NOTE},
    ):
        assert await alice.error("case.transfer", payload) == "invalid", payload
    assert await alice.error("case.transfer", {"case_id": cid, "to_account_id": 99999, "note": NOTE}) == "not_found"
    assert await bob.error("case.transfer", {"case_id": cid, "queue": "general", "note": NOTE}) == "forbidden"
    assert await rita.error("case.transfer", {"case_id": cid, "queue": "general", "note": NOTE}) == "forbidden"
    assert (await case_of(alice, cid))["helper"]["id"] == alice.account["id"]
    # escalated cases belong to their route's team
    await alice.ok("case.escalate", escalate_payload(cid))
    assert await alice.error("case.transfer", {"case_id": cid, "queue": "general", "note": NOTE}) == "conflict"


async def test_transfer_respects_the_case_cap(server: LiveServer) -> None:
    """helpdesk.max_open_cases holds for transfers as for claims; monitors are exempt; nothing half-done."""
    cap = server.deps.config.helpdesk.max_open_cases  # type: ignore[union-attr]
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    carol = await server.staff("carol_monitor", ["monitor"])
    for i in range(cap):
        await claimed_case(server, bob, name=f"B{i}")
    rita, case = await claimed_case(server, alice)
    cid = case["id"]
    answer = await alice.call("case.transfer", {"case_id": cid, "to_account_id": bob.account["id"], "note": NOTE})
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    assert f"{cap} open cases" in answer["error"]["message"] and answer["error"]["field"] == "to_account_id"
    after = await case_of(alice, cid)
    assert after["helper"]["id"] == alice.account["id"] and after["status"] == "active"
    history = (await alice.ok("room.history", {"room_id": case["room_id"], "limit": 100}))["messages"]
    assert not [m for m in history if NOTE in (m["body"] or "") or "taking over" in (m["body"] or "")]
    await bob.settle()
    assert not bob.received("alert", lambda a: a["kind"] == "transfer")
    # one of bob's cases on hold still counts; resolving one makes room
    bobs = [c for c in (await server.get("/api/cases?status=active", carol.token))[1]["cases"]
            if c["helper"] and c["helper"]["id"] == bob.account["id"]]
    await bob.ok("case.hold", {"case_id": bobs[0]["id"]})
    assert await alice.error("case.transfer", {"case_id": cid, "to_account_id": bob.account["id"], "note": NOTE}) \
        == "invalid"
    await bob.ok("case.resolve", {"case_id": bobs[1]["id"]})
    moved = await alice.ok("case.transfer", {"case_id": cid, "to_account_id": bob.account["id"], "note": NOTE})
    assert moved["case"]["helper"]["id"] == bob.account["id"]
    # monitors take any number of cases
    for i in range(cap):
        await claimed_case(server, carol, name=f"C{i}")
    _, other = await claimed_case(server, alice, name="Quinn")
    await alice.ok("case.transfer", {"case_id": other["id"], "to_account_id": carol.account["id"], "note": NOTE})
