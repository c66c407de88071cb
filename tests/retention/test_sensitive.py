"""Sensitive messages over the real socket API: who sees the body, automatic sealing by patterns,
staff marking a message sensitive, and never in team rooms or logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from server.storage.models import Message
from tests.retention.helpers import claimed_case, open_case, send, shadow
from tests.support import LiveServer

SECRET = "my trading password is Zebra-Quartz-7781"


async def test_sensitive_message_visible_to_requester_helper_monitor_only(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    await carol.ok("room.join", {"room_id": room_id})
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    dan = await server.staff("dan_helper", ["helper"], on_duty=True)
    dan = await shadow(server, dan, case["id"], room_id)

    sent = await send(rita, room_id, SECRET, "s1", sensitive=True)
    assert sent["sensitive"] is True and sent["body"] == SECRET

    for c in (alice, carol):
        live = await c.wait_for("message", lambda m: m.get("client_id") == "s1")
        assert live["body"] == SECRET and live["sensitive"] is True
    for c in (bob, dan):
        live = await c.wait_for("message", lambda m: m.get("client_id") == "s1")
        assert live["body"] is None and live["sensitive"] is True and live["seq"] == sent["seq"]

    # history and sync give the same views
    for c, expected in ((rita, SECRET), (alice, SECRET), (carol, SECRET), (bob, None), (dan, None)):
        history = (await c.ok("room.history", {"room_id": room_id, "limit": 100}))["messages"]
        [m] = [m for m in history if m["id"] == sent["id"]]
        assert m["body"] == expected, c.name
        synced = (await c.ok("sync", {"since": {str(room_id): 0}}))["messages"][str(room_id)]
        [m] = [m for m in synced if m["id"] == sent["id"]]
        assert m["body"] == expected, c.name
    # a staff member outside the room cannot read it at all
    erin = await server.staff("erin_helper", ["helper"])
    assert await erin.error("room.history", {"room_id": room_id}) == "forbidden"
    # REST history: the same views
    status, body = await server.get(f"/api/rooms/{room_id}/messages?after=0&limit=50", bob.token)
    assert status == 200 and [m["body"] for m in body["messages"] if m["id"] == sent["id"]] == [None]

    # transcripts follow the same views: the shadowing trainee and helper get it hidden
    for c, shown in ((rita, True), (alice, True), (carol, True), (bob, False), (dan, False)):
        async with server.http.get(f"{server.url}/api/cases/{case['id']}/transcript",
                                   headers={"Authorization": f"Bearer {c.token}"}) as r:
            assert r.status == 200, c.name
            text = await r.text()
        assert (SECRET in text) is shown, c.name
        assert shown or "[sensitive content hidden]" in text, c.name

    # stored sealed: no plaintext in the row
    assert server.deps is not None
    async with server.deps.db.read() as s:
        row = (await s.execute(select(Message).where(Message.id == sent["id"]))).scalar_one()
    assert row.body is None and row.body_sealed is not None and SECRET.encode() not in row.body_sealed


async def test_sensitive_refused_outside_case_rooms(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    room = (await alice.ok("room.create", {"name": "#ops"}))["room"]
    answer = await alice.call("message.send", {"room_id": room["id"], "body": SECRET, "client_id": "t1",
                                               "sensitive": True})
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert "Zebra" not in answer["error"]["message"]
    # a pattern match is refused in a team room too, and the answer names the pattern, not the text
    answer = await alice.call("message.send", {"room_id": room["id"], "body": "write to rita@example.com",
                                               "client_id": "t2"})
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert "e-mail address" in answer["error"]["message"] and "rita@example.com" not in answer["error"]["message"]
    history = (await alice.ok("room.history", {"room_id": room["id"]}))["messages"]
    assert not [m for m in history if m["kind"] == "chat"]


@pytest.mark.parametrize("body,pattern", [
    ("my e-mail is rita.q@example.org, please write", "email"),
    ("card 4111 1111 1111 1111 was charged twice", "card_number"),
    ("trade TRD-20260105 did not settle", "trade_id"),
    ("here is my key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "api_key"),
    ("password: hunter2hunter2", "credential"),
])
async def test_patterns_seal_messages_and_tell_the_requester(server: LiveServer, body: str, pattern: str) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    sent = await send(rita, room_id, body, "p1")
    assert sent["sensitive"] is True and sent["body"] == body
    assert sent["meta"]["auto_sensitive"] == [pattern]
    notice = await rita.wait_for("notice", lambda n: n["message_id"] == sent["id"])
    assert notice["kind"] == "auto_sensitive" and notice["patterns"] == [pattern]
    assert "kept it private" in notice["message"] and body not in notice["message"]
    assert (await alice.wait_for("message", lambda m: m["id"] == sent["id"]))["body"] == body
    assert (await bob.wait_for("message", lambda m: m["id"] == sent["id"]))["body"] is None
    await alice.settle()
    assert not alice.received("notice"), "only the sender is told"


async def test_ordinary_numbers_are_not_sealed(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    for i, body in enumerate(["order 1234 5678 9012 3456 is late", "call me at 2026-01-05 10:00",
                              "it costs 1,000,000 coins"]):
        sent = await send(rita, room_id, body, f"n{i}")
        assert sent["sensitive"] is False, body  # the first fails the Luhn check


async def test_auto_sensitive_can_be_switched_off(start_server, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.support import make_config

    server = await start_server(make_config(database_url, {"retention": {"auto_sensitive": {"enabled": False}}}))
    rita, alice, case, room_id = await claimed_case(server)
    assert (await send(rita, room_id, "rita@example.com", "x"))["sensitive"] is False


async def test_staff_mark_a_message_sensitive(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    await carol.ok("room.join", {"room_id": room_id})
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    plain = await send(rita, room_id, "my account number is 99-1234-5", "m1")
    assert plain["sensitive"] is False
    await bob.wait_for("message", lambda m: m["id"] == plain["id"])

    # the requester and a shadowing trainee may not; unknown messages are not_found
    assert await rita.error("message.mark_sensitive", {"message_id": plain["id"]}) == "forbidden"
    assert await bob.error("message.mark_sensitive", {"message_id": plain["id"]}) == "forbidden"
    assert await alice.error("message.mark_sensitive", {"message_id": 99999}) == "not_found"
    assert await alice.error("message.mark_sensitive", {"message_id": "x"}) == "invalid"

    marked = (await alice.ok("message.mark_sensitive", {"message_id": plain["id"]}))["message"]
    assert marked["sensitive"] is True and marked["body"] == plain["body"]
    up_bob = await bob.wait_for("message.updated", lambda m: m["id"] == plain["id"])
    assert up_bob["body"] is None and up_bob["sensitive"] is True and up_bob["seq"] == plain["seq"]
    for c in (rita, carol):
        up = await c.wait_for("message.updated", lambda m: m["id"] == plain["id"])
        assert up["body"] == plain["body"] and up["sensitive"] is True
    history = (await bob.ok("room.history", {"room_id": room_id}))["messages"]
    assert [m["body"] for m in history if m["id"] == plain["id"]] == [None]
    # idempotent: a monitor marking it again changes nothing and sends nothing
    again = (await carol.ok("message.mark_sensitive", {"message_id": plain["id"]}))["message"]
    assert again["body"] == plain["body"]
    assert server.deps is not None
    async with server.deps.db.read() as s:
        row = (await s.execute(select(Message).where(Message.id == plain["id"]))).scalar_one()
    assert row.body is None and row.body_sealed is not None and b"99-1234-5" not in row.body_sealed
    # system messages cannot be marked
    system = [m for m in (await alice.ok("room.history", {"room_id": room_id}))["messages"] if m["kind"] == "system"]
    assert system and await alice.error("message.mark_sensitive", {"message_id": system[0]["id"]}) == "invalid"


async def test_staff_outside_the_case_cannot_mark(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    plain = await send(rita, room_id, "hello", "h1")
    dan = await server.staff("dan_helper", ["helper"])
    assert await dan.error("message.mark_sensitive", {"message_id": plain["id"]}) == "not_found"
    dan = await shadow(server, dan, case["id"], room_id)
    assert await dan.error("message.mark_sensitive", {"message_id": plain["id"]}) == "forbidden"


async def test_sensitive_content_never_logged(server: LiveServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what production logs (DEBUG of the database driver echoes SQL values)
    rita, alice, case, room_id = await claimed_case(server)
    await send(rita, room_id, SECRET, "l1", sensitive=True)
    await send(rita, room_id, "mail me at hidden.person@example.net", "l2")
    plain = await send(rita, room_id, "also Zebra-Quartz-7781 again", "l3")
    await alice.ok("message.mark_sensitive", {"message_id": plain["id"]})
    await alice.call("message.send", {"room_id": room_id, "body": SECRET, "client_id": "l4", "sensitive": True,
                                      "kind": "bogus"})
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Zebra-Quartz" not in text and "hidden.person" not in text


async def test_new_requester_sees_own_sensitive_after_reconnect(server: LiveServer) -> None:
    rita = await server.requester()
    case, room_id = await open_case(rita)
    sent = await send(rita, room_id, SECRET, "r1", sensitive=True)
    await rita.close()
    again = await server.client(rita.token, "rita again")
    synced = (await again.ok("sync", {"since": {str(room_id): 0}}))["messages"][str(room_id)]
    assert [m["body"] for m in synced if m["id"] == sent["id"]] == [SECRET]


async def test_first_message_of_a_help_request_is_sealed_too(server: LiveServer) -> None:
    rita = await server.requester()
    body = "I was charged twice on card 4111 1111 1111 1111"
    case, room_id = await open_case(rita, body)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    await alice.ok("case.claim", {"case_id": case["id"]})
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    for c, expected in ((rita, body), (alice, body), (bob, None)):
        [first] = [m for m in (await c.ok("room.history", {"room_id": room_id}))["messages"] if m["seq"] == 1]
        assert first["body"] == expected and first["sensitive"] is True, c.name
        assert first["meta"]["auto_sensitive"] == ["card_number"]
    assert server.deps is not None
    async with server.deps.db.read() as s:
        row = (await s.execute(select(Message).where(Message.room_id == room_id, Message.seq == 1))).scalar_one()
    assert row.body is None and b"4111" not in (row.body_sealed or b"")


CARD = "4111 1111 1111 1111"


async def test_free_text_outside_the_case_room_refuses_sensitive_content(server: LiveServer) -> None:
    """Escalation notes (posted on the team room's card), transfer and flag notes (sent in alerts), room
    topics and case summaries (shown to every staff member, kept past the purge) are not sealed: a pattern
    match there is refused with `invalid`, naming the kind of data and never the data, and nothing changes."""
    rita, alice, case, room_id = await claimed_case(server)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    routes = {r["name"]: r for r in (await alice.ok("escalation.routes"))["routes"]}
    social_room = routes["social"]["room_id"]
    before = (await carol.ok("room.history", {"room_id": social_room}))["messages"]
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("case.escalate", {"case_id": case["id"], "route": "social", "priority": "high",
                           "note": f"customer card {CARD} was charged twice"}, "note"),
        ("case.transfer", {"case_id": case["id"], "queue": "general", "note": f"her card is {CARD}"}, "note"),
        ("case.flag", {"case_id": case["id"], "kind": "personal_escalation",
                       "note": "she wrote to rita.q@example.org"}, "note"),
        ("case.resolve", {"case_id": case["id"], "summary": f"refunded card {CARD}"}, "summary"),
        ("room.create", {"name": "#refunds", "topic": f"refunds for {CARD}"}, "topic"),
    ]
    for event, payload, field in attempts:
        answer = await alice.call(event, payload)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid", (event, answer)
        message = answer["error"]["message"]
        assert "looks like it contains" in message and "4111" not in message and "rita.q" not in message, event
        assert answer["error"].get("details", {}).get("field", field) == field
    # nothing changed: the case is still Alice's, no escalation, no team card, no room, no alert
    status, body = await server.get(f"/api/cases/{case['id']}", carol.token)
    assert status == 200 and body["case"]["status"] == "active" and body["case"]["helper"]["id"] == alice.account["id"]  # type: ignore[attr-defined]
    assert body["case"]["summary"] is None
    after = (await carol.ok("room.history", {"room_id": social_room}))["messages"]
    assert after == before
    assert "#refunds" not in {r["name"] for r in (await alice.ok("room.list"))["rooms"]}
    history = (await alice.ok("room.history", {"room_id": room_id, "limit": 200}))["messages"]
    assert not [m for m in history if m["body"] and ("4111" in m["body"] or "rita.q" in m["body"])]
    await carol.settle()
    assert not carol.received("alert")
    # the same actions with ordinary words go through
    await alice.ok("case.flag", {"case_id": case["id"], "kind": "personal_escalation", "note": "she sounds upset"})
    await alice.ok("case.resolve", {"case_id": case["id"], "summary": "refunded the double charge"})
