"""typing.set: a hint relayed where the message being typed would go, throttled, never stored."""

from __future__ import annotations

import asyncio

from tests.roles.helpers import open_case
from tests.support import LiveServer


async def test_typing_is_relayed_to_those_allowed_throttled_and_never_stored(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, case, room_id = await open_case(server)
    await alice.ok("case.claim", {"case_id": case["id"]})
    await bob.ok("case.shadow", {"case_id": case["id"]})
    before = len((await alice.ok("room.history", {"room_id": room_id}))["messages"])

    # The requester types: the staff in the room see it, with who it is.
    await rita.ok("typing.set", {"room_id": room_id, "typing": True})
    hint = await alice.wait_for("typing", lambda t: t["room_id"] == room_id and t["typing"])
    assert hint["account"]["display_name"] == "Rita" and hint["kind"] == "chat"
    await bob.wait_for("typing", lambda t: t["room_id"] == room_id and t["account"]["display_name"] == "Rita")
    assert not rita.events["typing"], "the typist's own socket is not told"

    # A start again within the throttle window is not relayed; a stop always is; later starts are.
    await rita.ok("typing.set", {"room_id": room_id, "typing": True})
    await rita.ok("typing.set", {"room_id": room_id, "typing": False})
    await alice.wait_for("typing", lambda t: t["account"]["display_name"] == "Rita" and not t["typing"])
    starts = [t for t in alice.events["typing"] if t["account"]["display_name"] == "Rita" and t["typing"]]
    assert len(starts) == 1
    server.clock.advance(seconds=3)
    await rita.ok("typing.set", {"room_id": room_id, "typing": True})
    await alice.wait_for("typing", lambda t: len([x for x in alice.events["typing"] if x["typing"]]) == 2)

    # Staff typing a whisper: the shadowing trainee hears of it, the requester never does.
    await alice.ok("typing.set", {"room_id": room_id, "typing": True, "kind": "whisper"})
    await bob.wait_for("typing", lambda t: t["account"]["display_name"] == "Alice" and t["kind"] == "whisper")
    # ... while a reply is announced to the requester.
    server.clock.advance(seconds=3)
    await alice.ok("typing.set", {"room_id": room_id, "typing": True, "kind": "chat"})
    await rita.wait_for("typing", lambda t: t["account"]["display_name"] == "Alice" and t["kind"] == "chat")
    await asyncio.sleep(0.2)
    assert all(t["kind"] == "chat" for t in rita.events["typing"]), rita.events["typing"]

    # Only who may send that kind there may signal it: a shadowing trainee whispers, never chats.
    assert await bob.error("typing.set", {"room_id": room_id, "typing": True, "kind": "chat"}) == "forbidden"
    await bob.ok("typing.set", {"room_id": room_id, "typing": True, "kind": "note"})
    stranger = await server.requester("Sam")
    assert await stranger.error("typing.set", {"room_id": room_id, "typing": True}) in ("forbidden", "not_found")
    assert await rita.error("typing.set", {"room_id": room_id, "kind": "shout"}) == "invalid"

    # Nothing was stored.
    after = len((await alice.ok("room.history", {"room_id": room_id}))["messages"])
    assert after == before
