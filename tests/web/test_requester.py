"""The requester widget: the expected wait (from recent claim times) beside the queue position, and a
hand-off that asks the requester first (the admissions route): Yes/No buttons in the chat."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect


async def test_queue_position_and_expected_wait(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    first = await server.requester("Olga")
    case = (await first.ok("help.request", {"topic": "general", "body": "First question"}))["case"]
    server.clock.advance(minutes=4)  # type: ignore[union-attr]
    await helper.ok("case.claim", {"case_id": case["id"]})  # claims took about 4 minutes lately
    other = await server.requester("Sam")
    await other.ok("help.request", {"topic": "general", "body": "Second question"})

    rita = await pages.requester("Rita", "Third question")
    status = rita.locator("#case-status")
    await expect(status).to_contain_text("number 2 in the queue")
    await expect(status).to_contain_text(re.compile(r"Expected wait: about \d+ min"))
    await shot(rita, "requester-queue-wait")
    # The one ahead is claimed: the position moves up live.
    queued = (await helper.ok("queue.list"))["cases"]
    await helper.ok("case.claim", {"case_id": queued[0]["id"]})
    await expect(status).to_contain_text("number 1 in the queue")
    assert not pages.errors, pages.errors


async def test_handoff_asks_the_requester_first(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    routes = (await helper.ok("escalation.routes", {}))["routes"]
    route = next((r for r in routes if r.get("confirm_first")), None)
    if route is None:
        pytest.skip("config.yaml has no route that asks the requester first")
    rita = await pages.requester("Rita", "How much does the spring course cost?")
    case = (await helper.wait_for("queue.alert"))["case"]
    await helper.ok("case.claim", {"case_id": case["id"]})
    await helper.ok("case.escalate", {"case_id": case["id"], "route": route["name"], "priority": route["priorities"][0],
                                      "note": "Billing question, not ours to answer"})
    yes = rita.get_by_role("button", name="Yes, pass it on")
    await expect(yes).to_be_visible()
    await expect(rita.locator(".messages")).not_to_contain_text("not ours to answer")
    await shot(rita, "requester-handoff-question")
    await yes.click()
    await expect(yes).to_have_count(0)
    await expect(rita.locator("#case-status")).to_contain_text("specialist team")
    if route.get("holding_reply"):
        await expect(rita.locator(".messages")).to_contain_text(route["holding_reply"])
    updated = await helper.wait_for("case.updated", lambda c: c.get("case", c).get("status") == "escalated")
    assert updated.get("case", updated)["id"] == case["id"]
    assert not pages.errors, pages.errors
