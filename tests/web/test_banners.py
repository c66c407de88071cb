"""Warning banners float over the page: a lost connection shows one without moving anything on the page,
and it leaves by itself once the connection is back; other banners leave when dismissed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect

LAYOUT = """() => Object.fromEntries(['.topbar', '.sidebar', '#panes', '#main'].map((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    return [s, [r.x, r.y, r.width, r.height]];
}))"""


async def test_connection_banner_does_not_move_the_layout_and_leaves(pages: Any, server: LiveServer, shot: Any) -> None:
    page = await pages.staff("alice_helper", ["helper"])
    before = await page.evaluate(LAYOUT)

    await page.context.set_offline(True)
    banner = page.locator("#alerts .alert").filter(has_text="Connection lost")
    await expect(banner).to_be_visible(timeout=20_000)
    await expect(page.locator("#conn-status")).to_have_text("Offline")
    assert await page.evaluate(LAYOUT) == before  # nothing pushed down or squeezed
    assert await page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    box = await banner.bounding_box()
    top = await page.locator(".topbar").bounding_box()
    assert box and top and box["y"] >= top["y"] + top["height"]  # never over the header's buttons
    await expect(banner).to_have_count(1)  # one banner for the whole outage, not one per attempt
    await doc_shot(shot, page, "banner-connection-lost")
    await page.set_viewport_size({"width": 390, "height": 844})
    box = await banner.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    await doc_shot(shot, page, "banner-connection-lost-phone")
    await page.set_viewport_size({"width": 1280, "height": 860})

    await page.context.set_offline(False)
    await expect(page.locator("#conn-status")).to_have_text("Connected", timeout=20_000)
    await expect(banner).to_have_count(0)
    assert await page.evaluate(LAYOUT) == before
    assert not [e for e in pages.errors if "ERR_INTERNET_DISCONNECTED" not in e], pages.errors


async def test_a_warning_banner_is_dismissed_without_moving_the_admin_page(pages: Any, server: LiveServer) -> None:
    page = await pages.staff("dave_admin", ["admin"], teams=["escalation-social"], path="/admin", on_duty=False)
    tabs = page.locator(".tabs")
    before = await tabs.bounding_box()
    # An escalation to Dave's team is a warning banner that stays until dismissed.
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita")
    case = (await rita.ok("help.request", {"topic": "general", "body": "A post about us"}))["case"]
    await alice.ok("case.claim", {"case_id": case["id"]})
    await alice.ok("case.escalate", {"case_id": case["id"], "route": "social", "priority": "high",
                                     "note": "Asked about a public post; tried the FAQ"})
    banner = page.locator("#alerts .alert-warning").filter(has_text="New escalation")
    await expect(banner).to_be_visible()
    assert await tabs.bounding_box() == before
    await banner.get_by_role("button", name="Dismiss alert").click()
    await expect(banner).to_have_count(0)
    assert not pages.errors, pages.errors


async def test_cases_waiting_banner_leaves_once_the_case_is_claimed(pages: Any, server: LiveServer) -> None:
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "Is anyone there?"})
    page = await pages.staff("alice_helper", ["helper"])  # comes on duty with a request waiting
    banner = page.locator("#alerts .alert").filter(has_text="Cases waiting")
    await expect(banner).to_be_visible()
    await page.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(page.locator("#queue-count")).to_have_text("0")
    await expect(banner).to_have_count(0)  # the condition cleared: nobody waits
    assert not pages.errors, pages.errors
