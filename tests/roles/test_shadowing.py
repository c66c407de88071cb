"""Shadowing over a real server: history and live messages (whispers and notes included), sensitive
bodies redacted, no chat, the requester told (or not) and never shown whispers, reconnect keeps it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.roles.helpers import ROLES_OVERRIDES, me, open_case, send
from tests.support import LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return ROLES_OVERRIDES


async def test_shadow_gets_history_and_live_messages_including_whispers(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, case, room_id = await open_case(server, body="my card was charged twice")
    await alice.ok("case.claim", {"case_id": case["id"]})
    await send(alice, room_id, "hello, let me look")
    await send(alice, room_id, "refund in the admin panel", kind="whisper")
    await send(alice, room_id, "customer since 2019", kind="note")
    await send(rita, room_id, "4111 1111 1111 1111", sensitive=True)

    answer = await bob.ok("case.shadow", {"case_id": case["id"]})
    assert answer["case"]["id"] == case["id"] and answer["membership"] == "shadow"
    got = {(m["kind"], m["body"]) for m in answer["messages"]}
    assert {("chat", "my card was charged twice"), ("chat", "hello, let me look"),
            ("whisper", "refund in the admin panel"), ("note", "customer since 2019")} <= got
    secret = [m for m in answer["messages"] if m["sensitive"]]
    assert len(secret) == 1 and secret[0]["body"] is None, "sensitive bodies are redacted for a shadowing trainee"

    # the requester is told a trainee observes; staff get a note that says who
    await rita.wait_for("message", lambda m: m["kind"] == "system" and m["body"] == "A trainee is observing this chat")
    await alice.wait_for("message", lambda m: m["kind"] == "note" and "Bob is shadowing" in m["body"])

    # live: chat, whisper and note reach the shadow; the requester gets chat only
    await send(alice, room_id, "found it")
    await send(alice, room_id, "bob: watch how I refund", kind="whisper")
    await send(alice, room_id, "refund issued", kind="note")
    await bob.wait_for("message", lambda m: m["body"] == "found it")
    await bob.wait_for("message", lambda m: m["kind"] == "whisper" and m["body"] == "bob: watch how I refund")
    await bob.wait_for("message", lambda m: m["kind"] == "note" and m["body"] == "refund issued")
    await rita.wait_for("message", lambda m: m["body"] == "found it")
    # live sensitive content: the requester and the assigned helper see it, the shadowing trainee does not
    await send(rita, room_id, "my pin is 1234", sensitive=True)
    await alice.wait_for("message", lambda m: m["sensitive"] and m["body"] == "my pin is 1234")
    live_secret = await bob.wait_for("message", lambda m: m["sensitive"] and m["seq"] > secret[0]["seq"])
    assert live_secret["body"] is None

    # a shadow cannot chat with the requester, but may whisper to the staff
    code = await bob.error("message.send", {"room_id": room_id, "body": "hi!", "client_id": "b1"})
    assert code == "forbidden"
    await send(bob, room_id, "why the admin panel?", kind="whisper")
    await alice.wait_for("message", lambda m: m["body"] == "why the admin panel?")
    await rita.settle()
    assert not rita.received("message", lambda m: m["kind"] in ("whisper", "note")), "never a whisper or note"
    assert not rita.received("message", lambda m: m["body"] in ("hi!", "why the admin panel?"))
    history = (await rita.ok("room.history", {"room_id": room_id, "limit": 200}))["messages"]
    assert {m["kind"] for m in history} <= {"chat", "system"}
    assert [m for m in history if m["sensitive"]][0]["body"] == "4111 1111 1111 1111"


async def test_shadow_survives_reconnect_and_unshadow_stops_delivery(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, case, room_id = await open_case(server)
    await alice.ok("case.claim", {"case_id": case["id"]})
    await bob.ok("case.shadow", {"case_id": case["id"]})
    await bob.close()
    bob2 = await server.client(bob.token, "bob again")
    await send(alice, room_id, "after the reconnect", kind="whisper")
    await bob2.wait_for("message", lambda m: m["body"] == "after the reconnect")
    rooms = {r["id"]: r for r in (await bob2.ok("room.list"))["rooms"]}
    assert rooms[room_id]["membership"] == "shadow"

    await bob2.ok("case.unshadow", {"case_id": case["id"]})
    await send(alice, room_id, "after unshadow")
    await bob2.settle()
    assert not bob2.received("message", lambda m: m["body"] == "after unshadow")
    assert await bob2.error("case.unshadow", {"case_id": case["id"]}) == "forbidden"
    assert await bob2.error("room.history", {"room_id": room_id}) == "forbidden"
    # the staff working the case cannot "unshadow" it
    assert await alice.error("case.unshadow", {"case_id": case["id"]}) == "forbidden"


async def test_helper_and_monitor_shadow_without_announcement(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    hank = await server.staff("hank_helper", ["helper"], on_duty=True)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita, case, room_id = await open_case(server)
    await alice.ok("case.claim", {"case_id": case["id"]})
    await send(rita, room_id, "my password is hunter2", sensitive=True)
    hank_view = await hank.ok("case.shadow", {"case_id": case["id"]})
    carol_view = await carol.ok("case.shadow", {"case_id": case["id"]})
    assert [m["body"] for m in hank_view["messages"] if m["sensitive"]] == [None], "other staff: redacted"
    assert [m["body"] for m in carol_view["messages"] if m["sensitive"]] == ["my password is hunter2"], "monitors see it"
    await rita.settle()
    assert not rita.received("message", lambda m: "observing" in (m["body"] or ""))
    assert await hank.error("message.send", {"room_id": room_id, "body": "hi", "client_id": "h"}) == "forbidden"


@pytest.mark.parametrize("config_overrides", [{**ROLES_OVERRIDES, "roles": {"announce_shadow": False,
                                                                              "supervision_check_interval": 0}}])
async def test_announcement_can_be_turned_off(server: LiveServer) -> None:
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, case, room_id = await open_case(server)
    await bob.ok("case.shadow", {"case_id": case["id"]})
    await send(rita, room_id, "anyone there?")
    await bob.wait_for("message", lambda m: m["body"] == "anyone there?")
    await rita.settle()
    assert [m["kind"] for m in rita.received("message") if m["kind"] != "chat"] == [], \
        "the requester learns nothing of the shadow"
    history = (await rita.ok("room.history", {"room_id": room_id}))["messages"]
    assert [m["kind"] for m in history] == ["chat", "chat"]
    status, body = await server.get(f"/api/cases/{case['id']}", rita.token)
    assert status == 200 and "shadows" not in body["case"]


async def test_shadowing_rules(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    rita, case, room_id = await open_case(server)
    other, _, _ = await open_case(server)
    assert await rita.error("case.shadow", {"case_id": case["id"]}) == "forbidden"
    assert await other.error("case.shadow", {"case_id": case["id"]}) == "forbidden"
    assert await dave.error("case.shadow", {"case_id": case["id"]}) == "forbidden"
    assert await alice.error("case.shadow", {"case_id": 999999}) == "not_found"
    assert await alice.error("case.shadow", {"case_id": "x"}) == "invalid"
    await alice.ok("case.claim", {"case_id": case["id"]})
    await alice.ok("case.resolve", {"case_id": case["id"]})
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    assert await bob.error("case.shadow", {"case_id": case["id"]}) == "forbidden", "closed cases are not shadowed"
    assert me(bob) > 0
