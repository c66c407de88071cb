"""Supervised taking over a real server: a trainee claims only with an available monitor (picked least
loaded, alerted), hand-over or re-queue when the monitor disconnects or goes off duty, the periodic
check, supervise, take over and hand back, whispers between monitor and trainee."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update

from server.actions import supervision
from server.storage.models import Account
from tests.roles.helpers import (
    ROLES_OVERRIDES,
    claimed_under_carol,
    disconnected,
    me,
    monitor_away,
    open_case,
    past_the_grace,
    send,
)
from tests.support import Client, LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return ROLES_OVERRIDES


async def test_trainee_claim_refused_without_an_available_monitor(server: LiveServer) -> None:
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    carol = await server.staff("carol_monitor", ["monitor"])  # connected, but off duty
    rita, case, room_id = await open_case(server)
    answer = await bob.call("case.claim", {"case_id": case["id"]})
    assert answer["ok"] is False and answer["error"]["code"] == "forbidden"
    assert "no room monitor is available" in answer["error"]["message"]
    # nothing half-done: still queued, bob not in the room, no system message
    status, body = await server.get(f"/api/cases/{case['id']}", carol.token)
    assert body["case"]["status"] == "queued" and body["case"]["trainee"] is None
    assert await bob.error("room.history", {"room_id": room_id}) == "forbidden"

    # a monitor on duty but not connected does not count either
    await carol.ok("duty.set", {"on_duty": True})
    await carol.close()
    await disconnected(server, me(carol))
    assert await bob.error("case.claim", {"case_id": case["id"]}) == "forbidden"


async def close_after(c: Client, delay: float) -> None:
    await asyncio.sleep(delay)
    await c.close()


async def test_a_claim_racing_the_monitors_disconnect_never_leaves_the_trainee_unsupervised(server: LiveServer) -> None:
    """The claim reads the monitor's presence before its update: a disconnect committed in between used to
    let the claim through with a monitor whose last-disconnect hook had already run, so no grace started.
    Now each claim is either refused or its monitor's grace starts. Disconnects land at a few offsets."""
    for i in range(12):
        carol = await server.staff(f"carol{i}_monitor", ["monitor"], on_duty=True)
        bob = await server.staff(f"bob{i}_trainee", ["trainee"], on_duty=True)
        _, case, _ = await open_case(server)
        answer, _ = await asyncio.gather(bob.call("case.claim", {"case_id": case["id"]}),
                                         close_after(carol, i % 4 * 0.003))
        await disconnected(server, me(carol))
        if answer["ok"]:
            assert answer["case"]["monitor"]["id"] == me(carol)
            await monitor_away(server, case["id"])
        else:
            assert answer["error"]["code"] == "forbidden"


async def test_a_handover_racing_the_successors_disconnect_never_leaves_the_trainee_unsupervised(
        server: LiveServer) -> None:
    """Carol goes off duty while Mona, the only other monitor, disconnects: the hand-over picked Mona from
    presence read before her disconnect committed, and her last-disconnect hook, run before the hand-over
    committed, found no case to start the grace on. Now Mona either is not picked or her grace starts."""
    for i in range(24):
        carol = await server.staff(f"carol{i}_monitor", ["monitor"], on_duty=True)
        bob = await server.staff(f"bob{i}_trainee", ["trainee"], on_duty=True)
        _, case, _ = await open_case(server)
        await bob.ok("case.claim", {"case_id": case["id"]})
        mona = await server.staff(f"mona{i}_monitor", ["monitor"], on_duty=True)
        await asyncio.gather(carol.ok("duty.set", {"on_duty": False}), close_after(mona, i % 6 * 0.002))
        await disconnected(server, me(mona))
        _, body = await server.get(f"/api/cases/{case['id']}", bob.token)
        if body["case"]["monitor"] and body["case"]["monitor"]["id"] == me(mona):
            await monitor_away(server, case["id"])
        else:
            assert body["case"]["monitor"] is None and body["case"]["status"] == "queued", body["case"]
        await bob.close()


async def test_trainee_claim_accepted_with_a_monitor_on_duty(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, case, room_id = await open_case(server)
    claimed = (await bob.ok("case.claim", {"case_id": case["id"]}))["case"]
    assert claimed["status"] == "active"
    assert claimed["trainee"]["id"] == me(bob) and claimed["monitor"]["id"] == me(carol) and claimed["helper"] is None
    alert = await carol.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    assert alert["trainee"]["id"] == me(bob)
    await carol.wait_for("message", lambda m: m["kind"] == "note" and "under Carol's supervision" in m["body"])
    # the trainee speaks; the monitor whispers to the trainee; the requester never sees the whisper
    await send(bob, room_id, "Hi, I am Bob, how can I help?")
    await rita.wait_for("message", lambda m: m["body"] == "Hi, I am Bob, how can I help?")
    await send(carol, room_id, "ask for the order number first", kind="whisper")
    await bob.wait_for("message", lambda m: m["body"] == "ask for the order number first")
    await rita.settle()
    assert not rita.received("message", lambda m: m["kind"] != "chat" and m["kind"] != "system")
    requester_view = (await rita.ok("case.get", {"case_id": case["id"]}))["case"]
    assert requester_view["monitor"] is None, "supervision is staff business"


async def test_claim_picks_the_least_loaded_monitor(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    tina = await server.staff("tina_trainee", ["trainee"], on_duty=True)
    _, c1, _ = await open_case(server)
    _, c2, _ = await open_case(server)
    first = (await bob.ok("case.claim", {"case_id": c1["id"]}))["case"]["monitor"]["id"]
    second = (await tina.ok("case.claim", {"case_id": c2["id"]}))["case"]["monitor"]["id"]
    assert {first, second} == {me(carol), me(mona)}, "the second claim goes to the monitor with no load"
    loaded = carol if first == me(carol) else mona
    other = mona if loaded is carol else carol
    await other.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == c2["id"])
    await loaded.settle()
    assert not loaded.received("alert", lambda a: a.get("case_id") == c2["id"])


async def test_monitor_disconnect_hands_over_to_another_monitor(server: LiveServer) -> None:
    sc = await claimed_under_carol(server)
    carol, bob, rita, case, room_id = sc.carol, sc.bob, sc.rita, sc.case, sc.room_id
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    await carol.close()
    await past_the_grace(server, case["id"])
    alert = await mona.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    assert alert["why"] == "handover"
    await bob.wait_for("message", lambda m: m["kind"] == "note" and "Mona now supervises Bob" in m["body"])
    updated = await bob.wait_for("case.updated", lambda c: c["id"] == case["id"] and c["monitor"]
                                 and c["monitor"]["id"] == me(mona))
    assert updated["status"] == "active" and updated["trainee"]["id"] == me(bob)
    await send(bob, room_id, "still here with you")  # the trainee may still speak
    await send(mona, room_id, "I am watching now", kind="whisper")
    await bob.wait_for("message", lambda m: m["body"] == "I am watching now")
    await rita.settle()
    assert not rita.received("message", lambda m: m["kind"] in ("note", "whisper"))


async def test_monitor_disconnect_with_nobody_left_requeues_the_case(server: LiveServer) -> None:
    sc = await claimed_under_carol(server, body="my order never came", helper=True)
    carol, bob, alice, rita, case, room_id = sc.carol, sc.bob, sc.alice, sc.rita, sc.case, sc.room_id
    await send(bob, room_id, "let me check that")
    await carol.close()
    await past_the_grace(server, case["id"])

    requeue = await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == case["id"] and a["reason"] == "requeued")
    assert requeue["case"]["status"] == "queued" and requeue["case"]["trainee"] is None
    await bob.wait_for("queue.alert", lambda a: a["case"]["id"] == case["id"] and a["reason"] == "requeued")
    await bob.wait_for("alert", lambda a: a["kind"] == "supervision_lost" and a["case_id"] == case["id"])
    await rita.wait_for("message", lambda m: m["kind"] == "system" and "back in the queue" in m["body"])
    # the trainee is read-only now (a shadow): no chat, but still sees the room live
    assert await bob.error("message.send", {"room_id": room_id, "body": "x", "client_id": "x"}) == "forbidden"
    await send(rita, room_id, "hello?")
    await bob.wait_for("message", lambda m: m["body"] == "hello?")
    rooms = {r["id"]: r for r in (await bob.ok("room.list"))["rooms"]}
    assert rooms[room_id]["membership"] == "shadow"
    # the next helper continues with the whole history
    await alice.ok("case.claim", {"case_id": case["id"]})
    history = [m["body"] for m in (await alice.ok("room.history", {"room_id": room_id}))["messages"]]
    assert "my order never came" in history and "let me check that" in history and "hello?" in history
    # and the trainee may take it again once a monitor is back
    assert (await bob.ok("case.shadow", {"case_id": case["id"]}))["membership"] == "shadow"


async def test_monitor_going_off_duty_releases_at_once(server: LiveServer) -> None:
    sc = await claimed_under_carol(server)
    carol, bob, case, room_id = sc.carol, sc.bob, sc.case, sc.room_id
    await carol.ok("duty.set", {"on_duty": False})
    updated = await bob.wait_for("case.updated", lambda c: c["id"] == case["id"] and c["status"] == "queued")
    assert updated["trainee"] is None and updated["monitor"] is None
    assert await bob.error("message.send", {"room_id": room_id, "body": "x", "client_id": "x"}) == "forbidden"
    assert await bob.error("case.claim", {"case_id": case["id"]}) == "forbidden", "no monitor on duty now"
    await carol.ok("duty.set", {"on_duty": True})
    assert (await bob.ok("case.claim", {"case_id": case["id"]}))["case"]["monitor"]["id"] == me(carol)


async def test_periodic_check_releases_a_monitor_whose_shift_ended(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    _, case, _ = await open_case(server)
    await mona.ok("case.supervise", {"case_id": case["id"]})
    assert (await bob.ok("case.claim", {"case_id": case["id"]}))["case"]["monitor"]["id"] == me(mona)
    assert (await supervision.run_once(server.deps, server.clock.now()))["released"] == []
    # no event announces the end of a shift (or a dead process): only the clock and the database know
    async with server.deps.db.transaction() as s:
        await s.execute(update(Account).where(Account.id == me(mona)).values(on_duty=False))
    server.clock.advance(minutes=1)
    assert (await supervision.run_once(server.deps, server.clock.now()))["released"] == [me(mona)]
    await carol.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    await bob.wait_for("case.updated", lambda c: c["id"] == case["id"] and c["monitor"]["id"] == me(carol))


async def test_supervise_a_queued_case_then_the_shadowing_trainee_claims_under_that_monitor(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    _, busy, _ = await open_case(server)
    await mona.ok("case.supervise", {"case_id": busy["id"]})  # mona has more load than carol ...
    _, case, room_id = await open_case(server)
    await bob.ok("case.shadow", {"case_id": case["id"]})
    supervised = (await mona.ok("case.supervise", {"case_id": case["id"]}))["case"]
    assert supervised["monitor"]["id"] == me(mona) and supervised["status"] == "queued"
    await bob.wait_for("message", lambda m: m["kind"] == "note" and "Mona is supervising" in m["body"])
    # ... but she supervises this case, so the trainee who shadows it claims under her
    assert (await bob.ok("case.claim", {"case_id": case["id"]}))["case"]["monitor"]["id"] == me(mona)
    # another monitor may take supervision over; the previous one is told
    await carol.ok("case.supervise", {"case_id": case["id"]})
    await mona.wait_for("alert", lambda a: a["kind"] == "supervision_ended" and a["case_id"] == case["id"])
    await bob.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    # supervising needs a monitor on duty
    await mona.ok("duty.set", {"on_duty": False})
    assert await mona.error("case.supervise", {"case_id": case["id"]}) == "forbidden"
    assert await bob.error("case.supervise", {"case_id": case["id"]}) == "forbidden"


async def test_take_over_and_hand_back(server: LiveServer) -> None:
    sc = await claimed_under_carol(server)
    carol, bob, rita, case, room_id = sc.carol, sc.bob, sc.rita, sc.case, sc.room_id
    assert await carol.error("case.handback", {"case_id": case["id"]}) == "conflict", "nothing taken yet"

    taken = (await carol.ok("case.takeover", {"case_id": case["id"]}))["case"]
    assert taken["helper"]["id"] == me(carol) and taken["trainee"] is None and taken["status"] == "active"
    await bob.wait_for("alert", lambda a: a["kind"] == "takeover" and a["case_id"] == case["id"])
    await rita.wait_for("message", lambda m: m["kind"] == "system" and m["body"] == "Carol is helping you now")
    assert await bob.error("message.send", {"room_id": room_id, "body": "x", "client_id": "x"}) == "forbidden"
    await send(carol, room_id, "I will take it from here")
    await bob.wait_for("message", lambda m: m["body"] == "I will take it from here")
    assert await carol.error("case.takeover", {"case_id": case["id"]}) == "conflict"
    assert await bob.error("case.handback", {"case_id": case["id"]}) == "forbidden"

    back = (await carol.ok("case.handback", {"case_id": case["id"]}))["case"]
    assert back["trainee"]["id"] == me(bob) and back["monitor"]["id"] == me(carol) and back["helper"] is None
    await bob.wait_for("alert", lambda a: a["kind"] == "handback" and a["case_id"] == case["id"])
    await send(bob, room_id, "back with you")
    await rita.wait_for("message", lambda m: m["body"] == "back with you")
    assert await carol.error("case.handback", {"case_id": case["id"]}) == "conflict", "only once"
    # a monitor takes over a helper's case too (no hand back then)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    _, other, _ = await open_case(server)
    await alice.ok("case.claim", {"case_id": other["id"]})
    await carol.ok("case.takeover", {"case_id": other["id"]})
    assert await carol.error("case.handback", {"case_id": other["id"]}) == "conflict"
