"""queue.list tells the console what it needs to offer only what will work: a preview of each question
(never a sealed sensitive one) and how many monitors could supervise a trainee's claim right now."""

from __future__ import annotations

from tests.support import LiveServer


async def test_queue_list_previews_and_monitors_available(server: LiveServer) -> None:
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita = await server.requester("Rita")
    sam = await server.requester("Sam")
    await rita.ok("help.request", {"topic": "general", "body": "My printer prints only blank pages. " * 10})
    await sam.ok("help.request", {"topic": "general", "body": "My card is 4111 1111 1111 1111"})
    outlook = await bob.ok("queue.list")
    previews = [c["preview"] for c in outlook["cases"]]
    assert previews[0] is not None and previews[0].startswith("My printer") and len(previews[0]) == 140
    assert previews[1] is None or "4111" not in previews[1]
    assert outlook["monitors_available"] == 0
    # A trainee's claim is refused now, as the console was told.
    refused = await bob.call("case.claim", {"case_id": outlook["cases"][0]["id"]})
    assert refused["error"]["code"] == "forbidden"

    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    assert (await bob.ok("queue.list"))["monitors_available"] == 1
    await carol.ok("duty.set", {"on_duty": False})
    assert (await bob.ok("queue.list"))["monitors_available"] == 0


async def test_expected_wait_has_a_floor_after_quick_claims(server: LiveServer) -> None:
    """One claim 4 s after the request must not promise the next requester "about 4 s"."""
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita")
    first = await rita.ok("help.request", {"topic": "general", "body": "Quick one"})
    server.clock.advance(seconds=4)
    await alice.ok("case.claim", {"case_id": first["case"]["id"]})
    sam = await server.requester("Sam")
    ack = await sam.ok("help.request", {"topic": "general", "body": "And me?"})
    assert ack["expected_wait_seconds"] == 60
