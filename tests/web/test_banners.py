"""Warning banners float over the bottom of the page: a lost connection shows one without moving anything
down (the page only ends above the banners, so none covers a control), and it leaves by itself once the
connection is back; other banners leave when dismissed."""

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
    await page.wait_for_function(ROOM_SETTLED)
    during = await page.evaluate(LAYOUT)
    for part, (x, y, width, _height) in before.items():  # nothing pushed down or squeezed sideways
        assert during[part][:3] == [x, y, width], (part, during[part], before[part])
    box = await banner.bounding_box()
    assert box and during[".sidebar"][1] + during[".sidebar"][3] <= box["y"]  # the sidebar ends above it
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


ROOM_SETTLED = """() => {
    // The room kept for the banners matches where they now are (alerts.js updates it after a resize).
    const top = document.getElementById('alerts').getBoundingClientRect().top;
    return getComputedStyle(document.body).paddingBottom === `${Math.ceil(innerHeight - top + 8)}px`;
}"""

UNDER_BANNERS = """() => {
    // Every control on screen whose middle is covered by a banner (the top element there is inside #alerts).
    const alerts = document.getElementById('alerts');
    return Array.from(document.querySelectorAll('button, a[href], input, select, textarea, [tabindex="0"]'))
      .filter((e) => !alerts.contains(e) && e.offsetParent !== null)
      .map((e) => [e, e.getBoundingClientRect()])
      .filter(([, r]) => r.width && r.height && r.top >= 0 && r.bottom <= innerHeight)
      .filter(([e, r]) => { const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return top && alerts.contains(top); })
      .map(([e]) => `${e.tagName} ${e.id} ${(e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 40)}`);
}"""


async def test_banners_never_cover_a_control(pages: Any, server: LiveServer, shot: Any) -> None:
    """Two warning banners stay until dismissed: while they show, the console's sidebar (scrolled to its
    end), the open case's composer and every other control stay clear of them, on a desktop and a phone."""
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)
    page = await pages.staff("alice_helper", ["helper"], teams=["escalation-social", "escalation-mobile"])
    await page.set_viewport_size({"width": 1280, "height": 800})
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "My own question"})
    await page.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(page.locator(".pane-case")).to_have_count(1)
    for name, route in (("Sam", "social"), ("Tom", "mobile")):
        r = await server.requester(name)
        case = (await r.ok("help.request", {"topic": "general", "body": f"{name} asks"}))["case"]
        await bob.ok("case.claim", {"case_id": case["id"]})
        await bob.ok("case.escalate", {"case_id": case["id"], "route": route, "priority": "high",
                                       "note": "Tried the FAQ; needs the team"})
    banners = page.locator("#alerts .alert-warning").filter(has_text="New escalation")
    await expect(banners).to_have_count(2)
    await page.wait_for_function(ROOM_SETTLED)
    sidebar = page.locator(".sidebar")
    await sidebar.evaluate("s => { s.scrollTop = s.scrollHeight; }")
    await page.wait_for_timeout(100)
    assert await page.evaluate(UNDER_BANNERS) == []
    top = await page.locator("#alerts").bounding_box()
    side = await sidebar.bounding_box()
    send = await page.locator(".pane-case").get_by_role("button", name="Send").bounding_box()
    assert top and side and send and side["y"] + side["height"] <= top["y"] and send["y"] + send["height"] <= top["y"]
    await doc_shot(shot, page, "banners-room")

    # On a phone the page scrolls: its end (the last control) comes up above the banners too.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_function(ROOM_SETTLED)  # the banners grew taller on the narrow screen
    await page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    await page.wait_for_timeout(100)
    assert await page.evaluate(UNDER_BANNERS) == []
    await doc_shot(shot, page, "banners-room-phone", keep_scroll=True)  # at the page's end

    # Dismissed: the room goes with them.
    for _ in range(2):
        await banners.first.get_by_role("button", name="Dismiss alert").click()
    await expect(banners).to_have_count(0)
    await page.set_viewport_size({"width": 1280, "height": 800})
    assert await page.evaluate("getComputedStyle(document.body).paddingBottom") == "0px"
    assert not pages.errors, pages.errors
