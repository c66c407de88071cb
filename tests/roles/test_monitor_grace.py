"""Supervision survives a reload (issue 12, point 7): a supervising monitor whose socket drops keeps the
case for roles.monitor_grace; back in time, nothing happens and the requester hears nothing; after it,
the case is handed over or re-queued as before and the requester is told once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from server.config import Config
from tests.roles.helpers import ROLES_OVERRIDES, claimed_under_carol, me, monitor_away, send
from tests.support import LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {**ROLES_OVERRIDES, "roles": {"monitor_grace": "60s"}}


async def test_a_monitor_back_within_the_grace_keeps_supervising_and_the_requester_hears_nothing(
        server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None
    sc = await claimed_under_carol(server, body="my order never came", helper=True)
    carol, bob, alice, rita, case, room_id = sc.carol, sc.bob, sc.alice, sc.rita, sc.case, sc.room_id
    await send(bob, room_id, "let me check that")
    await rita.wait_for("message", lambda m: m["body"] == "let me check that")
    seen_by_rita = len(rita.events["message"])

    await carol.close()  # a page reload: the socket drops ...
    await monitor_away(server, case["id"])
    await deps.scheduler.advance(45)  # ... the periodic checks run inside the grace: nothing happens
    await send(bob, room_id, "still on it")  # the trainee keeps the case and may speak
    carol_back = await server.client((await server.login("carol_monitor"))["token"], "carol again")
    await carol_back.ok("room.list")  # the connect (and its hook) is done
    await deps.scheduler.advance(120)  # well past the grace: still nothing, she is back

    _, body = await server.get(f"/api/cases/{case['id']}", carol_back.token)
    assert body["case"]["status"] == "active"
    assert body["case"]["trainee"]["id"] == me(bob) and body["case"]["monitor"]["id"] == me(carol)
    await send(carol_back, room_id, "good, ask for the order number", kind="whisper")
    await bob.wait_for("message", lambda m: m["body"] == "good, ask for the order number")
    await rita.wait_for("message", lambda m: m["body"] == "still on it")
    await rita.settle()
    new = rita.events["message"][seen_by_rita:]
    assert [m["body"] for m in new] == ["still on it"], "the requester hears nothing of the reload"
    assert not alice.received("queue.alert", lambda a: a["case"]["id"] == case["id"] and a["reason"] == "requeued")
    assert not bob.received("alert", lambda a: a["kind"] == "supervision_lost")


async def test_after_the_grace_the_case_is_requeued_and_the_requester_is_told_once(server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None
    sc = await claimed_under_carol(server, helper=True)
    carol, bob, alice, rita, case, room_id = sc.carol, sc.bob, sc.alice, sc.rita, sc.case, sc.room_id
    await carol.close()
    await monitor_away(server, case["id"])
    await deps.scheduler.advance(59)
    _, body = await server.get(f"/api/cases/{case['id']}", alice.token)
    assert body["case"]["status"] == "active" and body["case"]["trainee"]["id"] == me(bob), "still in the grace"

    await deps.scheduler.advance(1)  # the grace ends: handled as before (nobody else to supervise)
    await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == case["id"] and a["reason"] == "requeued")
    await bob.wait_for("alert", lambda a: a["kind"] == "supervision_lost" and a["case_id"] == case["id"])
    await rita.wait_for("message", lambda m: m["kind"] == "system" and "back in the queue" in m["body"])
    await deps.scheduler.advance(120)  # later checks find nothing left to do
    carol_back = await server.client((await server.login("carol_monitor"))["token"], "carol again")
    await carol_back.ok("room.list")
    await rita.settle()
    told = rita.received("message", lambda m: "back in the queue" in (m["body"] or ""))
    assert len(told) == 1, "told once, and only because the case really went back"
    assert await bob.error("message.send", {"room_id": room_id, "body": "x", "client_id": "x"}) == "forbidden"


async def test_a_grace_that_ends_with_another_monitor_on_duty_hands_over_without_telling_the_requester(
        server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None
    sc = await claimed_under_carol(server)
    carol, rita, case = sc.carol, sc.rita, sc.case
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    await carol.close()
    await monitor_away(server, case["id"])
    await deps.scheduler.advance(30)
    await mona.settle(0.1)
    assert not mona.received("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    await deps.scheduler.advance(30)
    alert = await mona.wait_for("alert", lambda a: a["kind"] == "supervision" and a["case_id"] == case["id"])
    assert alert["why"] == "handover"
    await rita.settle()
    assert not rita.received("message", lambda m: m["kind"] == "system" and "queue" in (m["body"] or ""))


async def test_the_grace_is_stored_so_another_process_ends_it(
        server: LiveServer, start_server: Callable[..., Awaitable[LiveServer]], config: Config) -> None:
    """As after a restart: the grace started on one server is ended by another from the stored mark
    (the first server's one-off timer never runs), not restarted and not forgotten."""
    sc = await claimed_under_carol(server)
    carol, bob, case = sc.carol, sc.bob, sc.case
    await carol.close()
    await monitor_away(server, case["id"])
    other = await start_server(config)  # same database, its own scheduler
    assert other.deps is not None
    await other.deps.scheduler.advance(30)  # its periodic check: inside the grace, nothing happens
    _, body = await server.get(f"/api/cases/{case['id']}", bob.token)
    assert body["case"]["status"] == "active" and body["case"]["trainee"]["id"] == me(bob)
    await other.deps.scheduler.advance(30)  # 60 s since the disconnect: released from the stored mark
    _, body = await server.get(f"/api/cases/{case['id']}", bob.token)
    assert body["case"]["status"] == "queued" and body["case"]["trainee"] is None
