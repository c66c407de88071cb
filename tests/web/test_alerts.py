"""A personal escalation reaches the on-duty monitor as an alert that cannot be missed; the requester
never learns of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect


async def test_personal_escalation_alert_is_impossible_to_miss(pages: Any, server: LiveServer, shot: Any) -> None:
    monitor = await pages.staff("carol_monitor", ["monitor"])
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await pages.requester("Rita", "I cannot get the exercises to run.")
    alert = await helper.wait_for("queue.alert")
    case = alert.get("case", alert)
    await helper.ok("case.claim", {"case_id": case["id"]})

    await rita.fill("#body", "Honestly I think I will give up and quit the course.")
    await rita.press("#body", "Enter")

    banner = monitor.locator("#alerts .alert-urgent")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("Personal escalation")
    await expect(banner).to_have_attribute("role", "alert")
    await expect(monitor.locator("#sr-alerts")).to_have_attribute("aria-live", "assertive")
    await shot(monitor, "alert-personal-escalation")

    # One click opens the case.
    await banner.get_by_role("button", name=re.compile(f"Open case #{case['id']}")).click()
    await expect(monitor.locator(f'.pane-case[data-case-id="{case["id"]}"] .messages')).to_contain_text("give up")
    await rita.wait_for_timeout(300)
    await expect(rita.locator("body")).not_to_contain_text("escalation")
    assert not pages.errors, pages.errors
