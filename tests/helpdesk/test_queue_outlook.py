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
