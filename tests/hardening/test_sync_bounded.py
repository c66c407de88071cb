"""`sync` is bounded (issue 13, defect 8): per call at most limits.sync_max_rooms rooms with news,
limits.sync_max_per_room messages a room and limits.sync_max_messages in all; "more" names the rooms
with more left and asking again from the last seq received gets the rest, exactly once, in order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Client, LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"limits": {"sync_max_rooms": 2, "sync_max_per_room": 4, "sync_max_messages": 6,
                       "events_burst": 1000}}


async def _rooms(alice: Client, n: int) -> list[int]:
    return [(await alice.ok("room.create", {"name": f"#sync{i}"}))["room"]["id"] for i in range(n)]


async def test_sync_answers_a_bounded_amount_and_the_client_asks_again(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    rooms = await _rooms(alice, 3)
    for rid in rooms:
        for i in range(5):
            await alice.ok("message.send", {"room_id": rid, "body": f"{rid}-{i}", "client_id": f"{rid}-{i}"})
    since = {str(rid): 0 for rid in rooms}
    first = await alice.ok("sync", {"since": since})
    assert first["limits"] == {"rooms": 2, "per_room": 4, "messages": 6}
    assert sum(len(v) for v in first["messages"].values()) <= 6
    assert len([k for k, v in first["messages"].items() if v]) <= 2
    assert first["more"]  # something was left
    got: dict[str, list[int]] = {str(r): [] for r in rooms}
    answer = first
    for _ in range(10):
        for rid, msgs in answer["messages"].items():
            got[rid] += [m["seq"] for m in msgs]
            if msgs:
                since[rid] = msgs[-1]["seq"]
        if not answer["more"]:
            break
        answer = await alice.ok("sync", {"since": since})
    assert not answer["more"]
    for rid in rooms:
        # seq 1 is the room's creation notice when there is one; every message exactly once, in order
        seqs = got[str(rid)]
        assert seqs == sorted(set(seqs)) and len(seqs) >= 5 and seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_a_room_with_nothing_new_answers_empty_without_more(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    (rid,) = await _rooms(alice, 1)
    last = (await alice.ok("message.send", {"room_id": rid, "body": "x", "client_id": "x"}))["message"]["seq"]
    answer = await alice.ok("sync", {"since": {str(rid): last}})
    assert answer["messages"][str(rid)] == [] and answer["more"] == {}
