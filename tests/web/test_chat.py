"""A requester and a helper chat in two browser contexts; markup in messages stays text; reload resumes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> <b>bold?</b>'


async def claim_first(helper: Any) -> Any:
    item = helper.locator("#queue li").first
    await expect(item).to_be_visible()
    await item.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    return pane


async def test_requester_and_helper_chat(pages: Any, shot: Any) -> None:
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita", "My printer prints only blank pages.")

    # The helper's queue shows the request (with a count in the tab title), and the helper claims it.
    await expect(helper.locator("#queue li")).to_have_count(1)
    await expect(helper.locator("#queue")).to_contain_text("Rita")
    await expect(helper).to_have_title("(1) livehelp console")
    # Meanwhile the requester sees their place in the queue.
    await expect(rita.locator("#case-status")).to_contain_text("number 1 in the queue")
    pane = await claim_first(helper)
    await expect(pane.locator(".messages")).to_contain_text("My printer prints only blank pages.")

    # The requester sees that a helper joined.
    await expect(rita.locator("#case-status")).to_contain_text("Alice")

    await pane.locator("textarea").fill("Hello Rita, which printer model is it?")
    await pane.locator("textarea").press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("which printer model is it?")

    # A whisper stays with staff, and looks different from chat.
    await pane.locator("textarea").fill("/whisper probably the toner again")
    await pane.locator("textarea").press("Enter")
    await expect(pane.locator(".msg-whisper")).to_contain_text("probably the toner again")

    await rita.fill("#body", "It is a LaserJet 4000.")
    await rita.press("#body", "Enter")
    await expect(pane.locator(".messages")).to_contain_text("It is a LaserJet 4000.")

    # A private message: the assigned helper reads it, marked private on both sides.
    await rita.check("#private")
    await rita.fill("#body", "My customer number is 88-1234")
    await rita.press("#body", "Enter")
    await expect(pane.locator(".msg-sensitive").filter(has_text="88-1234").locator(".badge-private")).to_be_visible()
    await expect(rita.locator(".msg-sensitive").filter(has_text="88-1234")).to_be_visible()
    await expect(rita.locator("#private")).not_to_be_checked()

    # A note too.
    await pane.locator("select.kind-select").select_option("note")
    await pane.locator("textarea").fill("Customer has an old model")
    await pane.locator("textarea").press("Enter")
    await expect(pane.locator(".msg-note")).to_contain_text("Customer has an old model")

    await rita.wait_for_timeout(300)
    await expect(rita.locator(".messages")).not_to_contain_text("toner again")
    await expect(rita.locator(".messages")).not_to_contain_text("old model")
    assert await rita.locator(".msg-whisper, .msg-note").count() == 0

    await shot(helper, "chat-console")
    await shot(rita, "chat-requester")
    assert not pages.errors, pages.errors


async def test_markup_in_messages_renders_as_text(pages: Any, shot: Any) -> None:
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita <i>", XSS)
    pane = await claim_first(helper)

    await pane.locator("textarea").fill("Echo: <script>window.__pwned = 3</script>")
    await pane.locator("textarea").press("Enter")

    for page, where in ((helper, pane.locator(".messages")), (rita, rita.locator(".messages"))):
        await expect(where).to_contain_text("<script>window.__pwned = 1</script>")
        await expect(where).to_contain_text("<b>bold?</b>")
        await expect(where).to_contain_text("Echo: <script>window.__pwned = 3</script>")
        assert await where.locator("script, img, b, i").count() == 0
        assert await page.evaluate("window.__pwned") is None
    await expect(helper.locator("#queue, .pane-title").first).not_to_contain_text("<i>x")
    await expect(pane.locator(".pane-title")).to_contain_text("Rita <i>")

    await shot(helper, "xss-console")
    await shot(rita, "xss-requester")
    assert not pages.errors, pages.errors


async def test_reload_resumes_the_case(pages: Any, server: LiveServer, shot: Any) -> None:
    helper_client = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await pages.requester("Rita", "The VPN drops every hour.")
    alert = await helper_client.wait_for("queue.alert")
    case = alert.get("case", alert)
    await helper_client.ok("case.claim", {"case_id": case["id"]})
    await helper_client.ok("message.send", {"room_id": case["room_id"], "body": "Hi Rita, since when?", "client_id": "h1"})
    await expect(rita.locator(".messages")).to_contain_text("since when?")
    await rita.fill("#body", "Since Monday.")
    await rita.press("#body", "Enter")
    await helper_client.wait_for("message", lambda m: m.get("body") == "Since Monday.")

    # Reload: same case, full history, still able to talk.
    await rita.reload()
    await expect(rita.locator("#chat")).to_be_visible()
    log = rita.locator(".messages")
    for text in ("The VPN drops every hour.", "since when?", "Since Monday."):
        await expect(log).to_contain_text(text)
    await expect(rita.locator("#case-status")).to_contain_text("Alice")

    # Lose the network: what is said meanwhile arrives after reconnecting, once, in order.
    await rita.context.set_offline(True)
    await expect(rita.locator("#conn-status")).not_to_have_text("Connected", timeout=20_000)
    await helper_client.ok("message.send", {"room_id": case["room_id"], "body": "Said while you were away", "client_id": "h2"})
    await helper_client.ok("message.send", {"room_id": case["room_id"], "body": "And a second thing", "client_id": "h3"})
    await rita.context.set_offline(False)
    await expect(rita.locator("#conn-status")).to_have_text("Connected", timeout=20_000)
    await expect(log).to_contain_text("And a second thing")
    bodies = await log.locator(".msg-body").all_inner_texts()
    assert bodies.count("Said while you were away") == 1
    assert bodies.index("Said while you were away") < bodies.index("And a second thing")

    await rita.fill("#body", "Back again")
    await rita.press("#body", "Enter")
    await helper_client.wait_for("message", lambda m: m.get("body") == "Back again")
    await shot(rita, "reload-resumed-requester")


async def test_console_catches_up_after_network_loss(pages: Any, server: LiveServer) -> None:
    helper = await pages.staff("alice_helper", ["helper"])
    rita_client = await server.requester("Rita")
    await rita_client.ok("help.request", {"topic": "general", "body": "Hello?"})
    pane = await claim_first(helper)
    case_id = int(await pane.get_attribute("data-case-id") or 0)
    case = (await rita_client.ok("case.get", {"case_id": case_id}))["case"]

    await helper.context.set_offline(True)
    await expect(helper.locator("#conn-status")).not_to_have_text("Connected", timeout=20_000)
    # Typed while offline: sent once the connection is back.
    await pane.locator("textarea").fill("Sorry, my connection dropped")
    await pane.locator("textarea").press("Enter")
    for i in range(3):
        await rita_client.ok("message.send", {"room_id": case["room_id"], "body": f"are you there {i}", "client_id": f"r{i}"})
    await helper.context.set_offline(False)
    await expect(helper.locator("#conn-status")).to_have_text("Connected", timeout=20_000)
    await expect(pane.locator(".messages")).to_contain_text("are you there 2")
    bodies = await pane.locator(".msg:not(.msg-pending) .msg-body").all_inner_texts()
    assert [b for b in bodies if b.startswith("are you there")] == [f"are you there {i}" for i in range(3)]
    await rita_client.wait_for("message", lambda m: m.get("body") == "Sorry, my connection dropped", timeout=20)
    await expect(pane.locator(".msg-pending")).to_have_count(0)
    assert bodies.count("Sorry, my connection dropped") <= 1
    assert not pages.errors, pages.errors
