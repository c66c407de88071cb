"""Phone sizes (390 x 844): the embedded widget goes full screen with its own Close button and the launcher
counts unread replies; the staff pages never scroll sideways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect


async def no_sideways_scroll(page: Any, what: str) -> None:
    width = await page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = await page.evaluate("""() => {
            const clipped = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
                if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX) && a !== document.body
                    && a !== document.documentElement) return true; } return false; };
            return Array.from(document.querySelectorAll('body *'))
              .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !clipped(e))
              .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
              .concat(Array.from(document.querySelectorAll('body, body *')).filter(e => e.scrollWidth > innerWidth
                && getComputedStyle(e).overflowX === 'visible').slice(0, 8)
                .map(e => 'sw:' + e.tagName + '#' + e.id + '.' + e.className + ' ' + e.scrollWidth)); }""")
        raise AssertionError(f"{what}: {width[0]} px of content in {width[1]} px: {wide}")


async def test_embedded_widget_on_a_phone(server: LiveServer, shot: Any) -> None:
    from playwright.async_api import async_playwright

    from tests.web.conftest import CHROMIUM

    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    host = (f'<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>Acme</title><h1>Acme shop</h1>'
            f'<script src="{server.url}/static/embed.js" defer></script>')
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessForNavigations,PrivateNetworkAccessForIframes"])
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.route("http://shop.example/", lambda route: route.fulfill(status=200, content_type="text/html", body=host))
            await page.goto("http://shop.example/")
            launcher = page.get_by_role("button", name="Live help")
            await launcher.click()
            box = await page.locator("#livehelp-frame").bounding_box()
            assert box is not None and box["x"] == 0 and box["y"] == 0 and box["width"] >= 389 and box["height"] >= 843, box
            frame = page.frame_locator("#livehelp-frame")
            await frame.locator("#name").fill("Pat")
            await frame.locator("#question").fill("Do you ship to Norway?")
            await frame.locator("#start-submit").click()
            await expect(frame.locator(".messages")).to_contain_text("Do you ship to Norway?")
            await doc_shot(shot, page, "widget-phone")

            # The widget's own Close button brings the page back; the chat goes on behind it.
            await frame.get_by_role("button", name="Close the chat window (the chat stays open)").click()
            await expect(page.locator("#livehelp-frame")).to_be_hidden()
            await expect(launcher).to_be_visible()
            alert = await helper.wait_for("queue.alert")
            case = alert.get("case", alert)
            await helper.ok("case.claim", {"case_id": case["id"]})
            await helper.ok("message.send", {"room_id": case["room_id"], "body": "Yes, we do!", "client_id": "n1"})
            await helper.ok("message.send", {"room_id": case["room_id"], "body": "Shipping takes 3 days.", "client_id": "n2"})
            unread = page.get_by_role("button", name="Live help (2 unread)")
            await expect(unread).to_be_visible()
            await doc_shot(shot, page, "widget-phone-badge")
            await unread.click()
            await expect(frame.locator(".messages")).to_contain_text("Shipping takes 3 days.")
            await expect(page.locator("button[aria-controls=livehelp-frame]")).to_have_attribute("aria-label", "Live help")
            assert not errors, errors
        finally:
            await browser.close()


async def test_staff_pages_do_not_scroll_sideways_on_a_phone(pages: Any, server: LiveServer, shot: Any) -> None:
    r = await server.requester("Rita")
    await r.ok("help.request", {"topic": "general", "body": "Where is my parcel? It was due on Monday."})
    monitor = await pages.staff("carol_monitor", ["monitor"], path="/monitor")
    await monitor.set_viewport_size({"width": 390, "height": 844})
    await expect(monitor.locator("#cases-body tr")).to_have_count(1)
    await no_sideways_scroll(monitor, "monitor")
    # Each live case is a card: every value, the wait included, is on screen without scrolling the table.
    wait = await monitor.locator("#cases-body tr td[data-label='Waiting / goal']").bounding_box()
    assert wait and wait["x"] >= 0 and wait["x"] + wait["width"] <= 390, wait
    await expect(monitor.locator("#cases-body tr").get_by_role("button", name="Claim")).to_be_in_viewport()
    await doc_shot(shot, monitor, "monitor-phone")
    admin = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await admin.set_viewport_size({"width": 390, "height": 844})
    for tab in ("Accounts and roles", "Promotion", "Coverage", "Canned responses", "Reports", "Audit and erasure"):
        await admin.get_by_role("tab", name=tab).click()
        await admin.wait_for_timeout(200)
        await no_sideways_scroll(admin, f"admin: {tab}")
    await admin.get_by_role("tab", name="Accounts and roles").click()
    await doc_shot(shot, admin, "admin-phone")
    console = await pages.staff("alice_helper", ["helper"])
    await console.set_viewport_size({"width": 390, "height": 844})
    await console.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(console.locator(".pane-case .chip-active")).to_be_visible()
    await no_sideways_scroll(console, "console")
    assert not pages.errors, pages.errors


async def test_supervision_load_is_cards_on_a_phone(pages: Any, server: LiveServer, shot: Any) -> None:
    """The monitor's supervision-load table, like the cases table, lays each monitor out as a card at 390 px:
    who, how many cases, which trainees, all on screen without a sideways scroll."""
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    trainees = [await server.staff(n, ["trainee"], on_duty=True) for n in ("bartholomew_trainee", "maximiliana_trainee")]
    for t, name in zip(trainees, ("Rita", "Sam"), strict=True):
        r = await server.requester(name)
        case = (await r.ok("help.request", {"topic": "general", "body": f"{name} needs help with a long question"}))["case"]
        claimed = await t.ok("case.claim", {"case_id": case["id"]})
        assert (claimed["case"].get("monitor") or {}).get("id") == carol.account["id"], claimed  # type: ignore[attr-defined]
    from tests.web.conftest import login
    page = await pages.new("/monitor", width=390, height=844)
    await login(page, "carol_monitor")
    row = page.locator("#load-body tr")
    await expect(row).to_have_count(1)
    await expect(row.get_by_role("rowheader")).to_have_text("Carol")
    await expect(row.locator("td[data-label=Supervises]")).to_have_text("2 cases")
    await expect(row.locator("td[data-label=Trainees]")).to_have_text("Bartholomew, Maximiliana")
    await no_sideways_scroll(page, "monitor supervision load")
    for cell in ("th", "td[data-label=Supervises]", "td[data-label=Trainees]"):
        box = await row.locator(cell).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
    display = await page.locator("#load-table").evaluate("t => [getComputedStyle(t).display, t.scrollWidth <= t.clientWidth]")
    assert display == ["block", True], display
    await doc_shot(shot, page, "monitor-load-phone", top="#load-title")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await expect(page.locator("#load-table thead")).to_be_visible()  # a table again on a desktop
    assert not pages.errors, pages.errors
