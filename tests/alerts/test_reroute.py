"""Re-routing unclaimed requests (issue 12, point 5): the queue's on-duty staff again after reroute_after,
then the fallback queues' staff, then the monitors, each step written on the case, driven by the
scheduler from the step stored on the case (run again: nothing repeats)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from server.actions import reroute
from server.config import Config
from server.storage.models import Case
from tests.support import LiveServer, base_config_mapping


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {
        "roles": {"teams": [*base_config_mapping()["roles"]["teams"], "frontline", "billing"]},
        "helpdesk": {
            "queues": {"general": {"teams": ["frontline"], "reroute_after": "5m", "fallback": ["billing"]},
                       "billing": {"teams": ["billing"], "reroute_after": 0}},
            "topics": {"general": "general", "billing": "billing"},
        },
    }


def unclaimed(step: int) -> Any:
    return lambda a: a["kind"] == "unclaimed" and a["step"] == step


async def test_unclaimed_request_is_rerouted_step_by_step_and_each_step_is_written_on_the_case(
        server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None
    alice = await server.staff("alice_helper", ["helper"], ["frontline"], on_duty=True)
    bill = await server.staff("bill_helper", ["helper"], ["billing"], on_duty=True)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "Nobody answers?"})
    case_id, room_id = ack["case"]["id"], ack["room"]["id"]
    await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == case_id and a["reason"] == "new")

    await deps.scheduler.advance(290)  # the jobs run (every helpdesk.jobs_interval) but it is too early
    await alice.settle(0.1)
    assert not alice.received("alert", unclaimed(1)), "not before reroute_after"

    await deps.scheduler.advance(15)  # past 5 min: everyone on duty for the queue, again
    first = await alice.wait_for("alert", unclaimed(1))
    assert first["case_id"] == case_id and first["audience"] == "queue" and isinstance(first["id"], int)
    await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == case_id and a["reason"] == "reroute")
    await bill.settle(0.1)
    assert not bill.received("alert", unclaimed(1)) and not carol.received("alert", unclaimed(1))

    await deps.scheduler.advance(300)  # 10 min: widened to the fallback queue's staff
    second = await bill.wait_for("alert", unclaimed(2))
    assert second["audience"] == "fallback"
    await bill.wait_for("queue.alert", lambda a: a["case"]["id"] == case_id and a["reason"] == "reroute")
    await deps.scheduler.advance(300)  # 15 min: the monitors
    third = await carol.wait_for("alert", unclaimed(3))
    assert third["audience"] == "monitors" and third["severity"] == "high"

    # stored state: run again now and much later, nothing repeats (as after a restart)
    assert await reroute.run_once(deps, server.clock.now()) == []  # type: ignore[union-attr]
    await deps.scheduler.advance(3600)
    await alice.settle(0.1)
    for person, step in ((alice, 1), (bill, 2), (carol, 3)):
        got = person.received("alert", lambda a: a["kind"] == "unclaimed")
        assert [a["step"] for a in got] == [step], f"{person.name} alerted once, at its own step"

    # each step is on the case, for staff only, in order
    history = (await carol.ok("room.history", {"room_id": room_id, "limit": 100}))["messages"]
    notes = [m for m in history if m["kind"] == "note" and "Still unclaimed" in (m["body"] or "")]
    assert len(notes) == 3
    assert "step 1 of 3" in notes[0]["body"] and "Alice" in notes[0]["body"] and "after 5 min" in notes[0]["body"]
    assert "step 2 of 3" in notes[1]["body"] and "billing" in notes[1]["body"] and "Bill" in notes[1]["body"]
    assert "step 3 of 3" in notes[2]["body"] and "Carol" in notes[2]["body"]
    mine = (await rita.ok("room.history", {"room_id": room_id, "limit": 100}))["messages"]
    assert not [m for m in mine if "unclaimed" in (m["body"] or "")], "the requester sees none of it"


async def test_a_claim_stops_rerouting_and_a_requeue_starts_it_again(server: LiveServer) -> None:
    deps = server.deps
    assert deps is not None
    alice = await server.staff("alice_helper", ["helper"], ["frontline"], on_duty=True)
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "hello"})
    case_id = ack["case"]["id"]
    await deps.scheduler.advance(300)
    await alice.wait_for("alert", unclaimed(1))
    await alice.ok("case.claim", {"case_id": case_id})
    await deps.scheduler.advance(1200)
    await alice.settle(0.1)
    assert len(alice.received("alert", lambda a: a["kind"] == "unclaimed")) == 1, "claimed: no more steps"
    await alice.ok("case.transfer", {"case_id": case_id, "queue": "general", "note": "back to the queue"})
    await deps.scheduler.advance(300)  # a fresh wait from the re-queue
    again = await alice.wait_for("alert", lambda a: a["kind"] == "unclaimed" and a["waited_seconds"] == 300)
    assert again["step"] == 1


async def test_another_process_carries_on_from_the_stored_step(
        server: LiveServer, start_server: Callable[..., Awaitable[LiveServer]], config: Config) -> None:
    """As after a restart: a second server on the same database fires the next step, never the first again."""
    deps = server.deps
    assert deps is not None
    alice = await server.staff("alice_helper", ["helper"], ["frontline"], on_duty=True)
    bill = await server.staff("bill_helper", ["helper"], ["billing"], on_duty=True)
    rita = await server.requester("Rita")
    case_id = (await rita.ok("help.request", {"topic": "general", "body": "hello?"}))["case"]["id"]
    await deps.scheduler.advance(305)
    await alice.wait_for("alert", unclaimed(1))

    other = await start_server(config)  # same database, its own scheduler (the first one stays still)
    assert other.deps is not None
    await other.deps.scheduler.advance(300)
    # stored (the live event went out of the other process, where nobody is connected: no Redis here)
    listed = (await bill.ok("alert.list", {"unacknowledged": True}))["alerts"]
    assert [(a["kind"], a["step"]) for a in listed] == [("unclaimed", 2)]
    mine = (await alice.ok("alert.list", {}))["alerts"]
    assert [a["step"] for a in mine if a["kind"] == "unclaimed"] == [1], "step 1 is not repeated"
    async with other.deps.db.read() as s:
        step = (await s.execute(select(Case.reroute_step).where(Case.id == case_id))).scalar_one()
    assert step == 2
