"""Every view renders without script errors under the server's CSP, works from the keyboard, announces
messages to screen readers, and has a screenshot (set LIVEHELP_DOCS_SCREENSHOTS=1 to refresh the ones in
docs/screenshots/ that the README links)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect



async def test_requester_keyboard_only_and_live_region(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    page = await pages.new("/", width=480, height=820)
    await page.wait_for_selector("#start:not([hidden])")
    # Focus starts in the name field; Tab moves on; Enter in the last field's button submits.
    await expect(page.locator("#name")).to_be_focused()
    await page.keyboard.type("Kim")
    await page.keyboard.press("Tab")
    await expect(page.locator("#question")).to_be_focused()
    await page.keyboard.type("Where do I find my invoices?")
    await page.keyboard.press("Tab")
    # The optional e-mail field (off-hours reply) comes before the button.
    await expect(page.locator("#contact-email")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(page.locator("#start-submit")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#chat")).to_be_visible()
    await expect(page.locator("#body")).to_be_focused()

    alert = await helper.wait_for("queue.alert")
    case = alert.get("case", alert)
    await helper.ok("case.claim", {"case_id": case["id"]})
    await helper.ok("message.send", {"room_id": case["room_id"], "body": "Under Billing, top right.", "client_id": "a1"})
    # Screen readers hear new messages through the live region.
    await expect(page.locator("#sr-live")).to_contain_text("Under Billing, top right.")
    await expect(page.locator("#sr-live")).to_have_attribute("aria-live", "polite")
    await page.keyboard.type("Found it, thanks")
    await page.keyboard.press("Enter")
    await helper.wait_for("message", lambda m: m.get("body") == "Found it, thanks")
    await doc_shot(shot, page, "requester")
    assert not pages.errors, pages.errors


async def test_requester_off_hours_leave_a_message(pages: Any, shot: Any) -> None:
    page = await pages.new("/", width=480, height=820)
    await expect(page.locator("#duty-notice")).to_be_visible()
    await expect(page.locator("#duty-notice")).to_contain_text("Nobody is on duty")
    await expect(page.locator("#start-submit")).to_have_text("Leave a message")
    await page.fill("#name", "Lee")
    await page.fill("#question", "Please call me back about my refund.")
    await doc_shot(shot, page, "requester-off-hours")
    await page.click("#start-submit")
    await expect(page.locator("#case-status")).to_contain_text("Nobody is on duty right now")
    await expect(page.locator(".messages")).to_contain_text("Please call me back about my refund.")
    assert not pages.errors, pages.errors


async def test_console_view(pages: Any, server: LiveServer, shot: Any) -> None:
    page = await pages.staff("alice_helper", ["helper"])
    for name, question in (("Rita", "My order never arrived."), ("Sam", "Can I change my email address?"),
                           ("Noor", "The app crashes on start")):
        r = await server.requester(name)
        await r.ok("help.request", {"topic": "general", "body": question})
    await expect(page.locator("#queue li")).to_have_count(3)
    await expect(page).to_have_title("(3) livehelp console")
    # Claim two: they open side by side.
    await page.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(page.locator(".pane-case")).to_have_count(1)
    await page.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(page.locator(".pane-case")).to_have_count(2)
    first = page.locator(".pane-case").first
    await first.locator("textarea").fill("Hi Rita, let me look up your order.")
    await first.locator("textarea").press("Enter")
    await first.locator("textarea").fill("/note Order 1042, carrier lost it")
    await first.locator("textarea").press("Enter")
    await first.locator("textarea").fill("/whisper anyone seen carrier issues today?")
    await first.locator("textarea").press("Enter")
    await expect(first.locator(".msg-whisper:not(.msg-pending)")).to_have_count(1)
    await expect(first.locator(".msg-note:not(.msg-pending)")).to_have_count(1)
    # Canned responses by shortcut: ";hel" suggests "hello", Tab inserts it with the case's names filled in.
    box = first.locator("textarea")
    await box.fill(";hel")
    await expect(first.locator(".suggestions li").first).to_contain_text(";hello")
    await box.press("Tab")
    await expect(box).to_have_value(re.compile("^Hi Rita, I'm Alice"))
    await box.press("Enter")
    await expect(first.locator(".messages")).to_contain_text("Hi Rita, I'm Alice")
    # IRC-style commands: /hold, /resume, /join #room.
    await box.fill("/hold")
    await box.press("Enter")
    await expect(first.locator(".chip-on_hold")).to_be_visible()
    await box.fill("/resume")
    await box.press("Enter")
    await expect(first.locator(".chip-active")).to_be_visible()
    await box.fill("/join #triage")
    await box.press("Enter")
    await expect(page.locator(".pane-room .pane-title")).to_have_text("#triage")
    await page.locator(".pane-room .pane-close").click()
    # /help lists the commands in a dialog that Escape closes.
    await first.locator("textarea").fill("/help")
    await first.locator("textarea").press("Enter")
    await expect(page.locator("dialog[open]")).to_contain_text("/escalate")
    await page.keyboard.press("Escape")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await doc_shot(shot, page, "console")
    assert not pages.errors, pages.errors


async def test_monitor_view(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    for name, question in (("Rita", "My order never arrived."), ("Sam", "Can I change my email address?")):
        r = await server.requester(name)
        await r.ok("help.request", {"topic": "general", "body": question})
    queued = (await helper.ok("queue.list"))["cases"]
    await helper.ok("case.claim", {"case_id": queued[0]["id"]})
    server.clock.advance(100)  # type: ignore[union-attr]
    page = await pages.staff("carol_monitor", ["monitor"], path="/monitor")
    await expect(page.locator("#cases-body tr")).to_have_count(2)
    await expect(page.locator("#cases-body")).to_contain_text("Alice")
    await doc_shot(shot, page, "monitor")

    # Whisper into the active case: the helper gets it, the requester does not.
    row = page.locator(f'#cases-body tr[data-case-id="{queued[0]["id"]}"]')
    await row.get_by_role("button", name=re.compile("^Whisper")).click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Whisper").fill("Remember the refund policy changed")
    await dialog.get_by_role("button", name="Whisper").click()
    await expect(dialog).to_have_count(0)
    whisper = await helper.wait_for("message", lambda m: m.get("body") == "Remember the refund policy changed")
    assert whisper["kind"] == "whisper"

    # Re-queue it: back in the queue with its history.
    await row.get_by_role("button", name=re.compile("^Re-queue")).click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_role("button", name="Re-queue").click()
    await expect(dialog).to_have_count(0)
    await expect(row.locator(".chip-queued")).to_be_visible()
    assert not pages.errors, pages.errors


async def test_admin_view(pages: Any, server: LiveServer, shot: Any) -> None:
    await server.create_account("bob_trainee", ["trainee"], display_name="Bob")
    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await expect(page.get_by_role("tab", name="Accounts and roles")).to_have_attribute("aria-selected", "true")
    # Arrow keys move between tabs.
    await page.get_by_role("tab", name="Accounts and roles").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_role("tab", name="Promotion")).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#week tbody td")).to_have_count(7 * 24)
    # The "Add a shift" form picks who works it from the staff who keep shifts.
    await expect(page.get_by_label("Staff member").locator("option", has_text="Bob (bob_trainee) · trainee")).to_have_count(1)
    await page.get_by_label("Staff member").select_option(label="Bob (bob_trainee) · trainee")
    await doc_shot(shot, page, "admin-coverage")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await doc_shot(shot, page, "admin-coverage-add-shift", top="#shift-form-title")
    await page.set_viewport_size({"width": 390, "height": 844})
    from tests.web.test_phone import no_sideways_scroll
    await no_sideways_scroll(page, "admin coverage on a phone")
    await doc_shot(shot, page, "admin-coverage-phone", top="#shift-form-title")
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.get_by_role("tab", name="Accounts and roles").click()
    await doc_shot(shot, page, "admin")
    assert not pages.errors, pages.errors


async def test_widget_embeds_on_another_page(server: LiveServer, shot: Any) -> None:
    from playwright.async_api import async_playwright

    from tests.web.conftest import CHROMIUM

    host = f'<!doctype html><title>Acme</title><h1>Acme shop</h1><script src="{server.url}/static/embed.js" defer></script>'
    async with async_playwright() as p:
        # The host page is "another site" served by the test itself; Chromium's local-network checks would
        # block a public page from reaching the loopback test server, so they are off for this browser only.
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessForNavigations,PrivateNetworkAccessForIframes"])
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 760})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.route("http://shop.example/", lambda route: route.fulfill(status=200, content_type="text/html", body=host))
            await page.goto("http://shop.example/")
            button = page.get_by_role("button", name="Live help")
            await button.click()
            await expect(button).to_have_attribute("aria-expanded", "true")
            frame = page.frame_locator("#livehelp-frame")
            await expect(frame.locator("#start")).to_be_visible()
            await frame.locator("#name").fill("Pat")
            await frame.locator("#question").fill("Do you ship to Norway?")
            await frame.locator("#start-submit").click()
            await expect(frame.locator(".messages")).to_contain_text("Do you ship to Norway?")
            await shot(page, "widget-embedded")
            assert not errors, errors
        finally:
            await browser.close()


async def test_every_page_is_served_with_a_strict_csp(pages: Any, server: LiveServer) -> None:
    page = await pages.new(None)
    for path in ("/", "/console", "/monitor", "/admin", "/static/js/console.js"):
        response = await page.goto(server.url + path)
        assert response is not None and response.status == 200, path
        csp = (await response.all_headers()).get("content-security-policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}
        assert directives.get("script-src") == ["'self'"], (path, csp)
        assert directives.get("style-src") == ["'self'"], (path, csp)
        assert directives.get("object-src") == ["'none'"], (path, csp)
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, (path, csp)
        assert (await response.all_headers()).get("x-content-type-options") == "nosniff", path
    # The browser enforces it: an inline script injected into the page does not run.
    await page.goto(server.url + "/console")
    await page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                                   document.body.append(s); }""")
    assert await page.evaluate("window.__inline") is None
    assert any("Content Security Policy" in e for e in pages.errors), pages.errors
