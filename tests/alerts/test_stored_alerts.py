"""Stored alerts and escalation chains (issue 12, points 2 and 3), on a real server over real sockets."""

from __future__ import annotations

from typing import Any

from tests.escalation.helpers import claimed_case, say
from tests.support import Client, LiveServer


def notes(history: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [m for m in history if m["kind"] == "note" and (m.get("meta") or {}).get("event") == event]


async def staff_history(c: Client, room_id: int) -> list[dict[str, Any]]:
    return (await c.ok("room.history", {"room_id": room_id, "limit": 200}))["messages"]  # type: ignore[no-any-return]


async def test_personal_escalation_with_nobody_online_reaches_those_who_connect_later(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    await carol.close()  # on duty, but not connected
    await server.create_account("dave_admin", ["admin"], display_name="Dave")  # never connected yet
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "I think I will give up on this course"})
    case_id, room_id = ack["case"]["id"], ack["room"]["id"]

    # the monitor comes back: the stored alert arrives on connect, with its id
    carol2 = await server.client(carol.token, "carol again")
    got = await carol2.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["case_id"] == case_id and isinstance(got["id"], int) and got["acknowledged_at"] is None
    assert got["severity"] == "critical" and got["delivered_at"] is not None
    # the admin who connects later gets it too
    dave = await server.client((await server.login("dave_admin"))["token"], "dave")
    got_dave = await dave.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got_dave["case_id"] == case_id and got_dave["id"] != got["id"], "one row per recipient"

    # the case note names exactly who was alerted
    history = await staff_history(carol2, room_id)
    [note] = notes(history, "personal_escalation")
    assert "alerted: Carol, Dave" in note["body"]

    # ack: only the recipient; unknown -> not_found; listing shows it acknowledged
    assert await dave.error("alert.ack", {"id": got["id"]}) == "not_found"
    assert await dave.error("alert.ack", {"id": 999999}) == "not_found"
    assert await dave.error("alert.ack", {}) == "invalid"
    await carol2.ok("alert.ack", {"id": got["id"]})
    listed = await carol2.ok("alert.list", {"unacknowledged": True})
    assert [a["id"] for a in listed["alerts"]] == [] and listed["unacknowledged"] == 0
    everything = (await carol2.ok("alert.list", {}))["alerts"]
    assert [a["id"] for a in everything] == [got["id"]]
    assert everything[0]["acknowledged_at"] is not None and everything[0]["acknowledged_by"]["display_name"] == "Carol"
    # an acknowledged alert is not replayed; an unacknowledged one is, on every connect
    carol3 = await server.client(carol.token, "carol third")
    dave2 = await server.client(dave.token, "dave again")
    await dave2.wait_for("alert", lambda a: a["id"] == got_dave["id"])
    await carol3.settle()
    assert not carol3.received("alert")
    # the requester never sees any of it
    assert not rita.received("alert")
    assert not notes(await staff_history(rita, room_id), "personal_escalation")


async def test_the_helper_on_the_case_is_alerted_and_the_note_says_nobody_when_nobody_was(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    rita, case = await claimed_case(server, alice)
    await say(rita, case["room_id"], "honestly I'm going to quit")
    got = await alice.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["case_id"] == case["id"]
    [note] = notes(await staff_history(alice, case["room_id"]), "personal_escalation")
    assert "alerted: Alice;" in note["body"] and "monitors were alerted" not in note["body"]

    # with nobody at all to alert, the note says so (and the chain still runs)
    rosa = await server.requester("Rosa")
    ack = await rosa.ok("help.request", {"topic": "general", "body": "I want to drop out"})
    await server.create_account("mona_monitor", ["monitor"], display_name="Mona")
    mona = await server.client((await server.login("mona_monitor"))["token"], "mona")
    history = await staff_history(mona, ack["room"]["id"])
    [note] = notes(history, "personal_escalation")
    assert "alerted: nobody" in note["body"]


async def test_a_chain_step_fires_after_its_delay_and_stops_when_acknowledged(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    otto = await server.staff("otto_oncall", ["helper"], teams=["on-call"])
    rita = await server.requester("Rita")
    # the personal escalation's default chain: admins after 5 min, the on-call after 15 (config.yaml);
    # the admin is alerted at once anyway (notify has role:admin), so step 2 alerts nobody new.
    ack = await rita.ok("help.request", {"topic": "general", "body": "I feel hopeless"})
    room_id = ack["room"]["id"]
    first = await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    await dave.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    sched = server.deps.scheduler  # type: ignore[union-attr]
    await sched.advance(4 * 60)
    await otto.settle()
    assert not otto.received("alert")
    await sched.advance(60)  # 5 min: step 2
    await sched.advance(10 * 60)  # 15 min: step 3, the on-call
    got = await otto.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["case_id"] == ack["case"]["id"] and got["chain_step"] == 2
    steps = notes(await staff_history(carol, room_id), "alert_chain_step")
    assert [m["meta"]["step"] for m in steps] == [1, 2]
    assert "within 5 min" in steps[0]["body"] and "nobody new" in steps[0]["body"]
    assert "within 15 min" in steps[1]["body"] and "Otto" in steps[1]["body"]

    # a second escalation, acknowledged in time: nothing more fires, and the note says who acknowledged
    rosa = await server.requester("Rosa")
    ack2 = await rosa.ok("help.request", {"topic": "general", "body": "I want to quit"})
    second = await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation" and a["case_id"] == ack2["case"]["id"])
    assert second["id"] != first["id"]
    await carol.ok("alert.ack", {"id": second["id"]})
    before = len(otto.received("alert"))
    await sched.advance(20 * 60)
    await otto.settle()
    assert len(otto.received("alert")) == before, "an acknowledged chain fires no later step"
    history = await staff_history(carol, ack2["room"]["id"])
    assert not notes(history, "alert_chain_step")
    [acked] = notes(history, "alert_acknowledged")
    assert acked["body"].startswith("Carol acknowledged the personal escalation alert")


async def test_chain_state_survives_a_restart(start_server: Any, config: Any) -> None:
    """Chain state is in the database: a step due while the server was down fires after the restart."""
    first = await start_server(config)
    carol = await first.staff("carol_monitor", ["monitor"], on_duty=True)
    rita = await first.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I might quit the course"})
    await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    await first.create_account("dave_admin", ["admin"], display_name="Dave")
    await first.close_clients()
    await first.deps.scheduler.stop()
    first.clock.advance(6 * 60)
    second = await start_server(config)
    await second.deps.scheduler.advance(0)
    dave = await second.client((await second.login("dave_admin"))["token"], "dave")
    got = await dave.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["chain_step"] == 1
