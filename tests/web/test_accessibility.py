"""axe-core (from web/node_modules, a dev dependency) finds no WCAG 2 A/AA violations, contrast included,
in each view. The test page bypasses the CSP only to inject axe itself."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import REPO, LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect

AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.skipif(not AXE.exists(), reason="axe-core is missing: run `npm ci` in web/")


async def violations(page: Any) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }")
    return result  # type: ignore[no-any-return]


def report(found: list[dict[str, Any]]) -> str:
    return json.dumps(found, indent=1)


async def open_my_shifts(page: Any) -> None:
    """My shifts with one shift in it (added through the page's own session), then the dialog open."""
    await page.evaluate("""async () => {
        const token = JSON.parse(localStorage.getItem('livehelp.staff')).token;
        const start = new Date(Date.now() + 86400000);
        const r = await fetch('/api/me/shifts', {method: 'POST', headers: {'Content-Type': 'application/json',
            Authorization: `Bearer ${token}`}, body: JSON.stringify({starts_at: start.toISOString(),
            ends_at: new Date(start.getTime() + 8 * 3600000).toISOString(), weekly: true, note: 'Mornings'})});
        if (r.status !== 201) throw new Error(`shift not added: ${r.status}`);
    }""")
    await page.get_by_role("button", name="My shifts").click()
    await expect(page.locator("#my-shifts .shift-row")).to_have_count(1)


async def open_my_figures(page: Any) -> None:
    """My figures for the signed-in helper (a case claimed this month), chart drawn; the My shifts dialog closed first."""
    if await page.locator("#my-shifts").count():
        await page.locator("#my-shifts").get_by_role("button", name="Close").click()
    await page.get_by_role("button", name="My figures").click()
    await expect(page.locator("#my-figures .stat[data-field=taken] strong")).to_have_text("1")
    await expect(page.locator("#chart-my-figures[data-drawn=true]")).to_be_visible()


async def admin_tabs_have_no_violations(admin: Any, shot: Any = None) -> None:
    for tab in ("Accounts and roles", "Promotion", "Coverage", "Canned responses", "Reports", "Audit and erasure"):
        await admin.get_by_role("tab", name=tab).click()
        if tab == "Reports":  # the charts are drawn (a case was claimed this month)
            await expect(admin.locator("#chart-cycle[data-drawn=true]")).to_be_visible()
            if shot is not None:
                await doc_shot(shot, admin, "admin-reports-dark", top="#cycle-title")
        await admin.wait_for_timeout(200)
        assert not (found := await violations(admin)), f"{tab}: {report(found)}"


async def test_requester_views_have_no_violations(pages: Any, server: LiveServer) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    page = await pages.new("/", width=480, height=820, bypass_csp=True)
    await page.wait_for_selector("#start:not([hidden])")
    assert not (found := await violations(page)), report(found)
    await page.fill("#name", "Rita")
    await page.fill("#question", "Where is my parcel?")
    await page.click("#start-submit")
    await expect(page.locator("#chat")).to_be_visible()
    alert = await helper.wait_for("queue.alert")
    case = alert.get("case", alert)
    await helper.ok("case.claim", {"case_id": case["id"]})
    await helper.ok("message.send", {"room_id": case["room_id"], "body": "On its way!", "client_id": "x1"})
    await expect(page.locator(".messages")).to_contain_text("On its way!")
    assert not (found := await violations(page)), report(found)


async def test_staff_views_have_no_violations(pages: Any, server: LiveServer) -> None:
    r = await server.requester("Rita")
    await r.ok("help.request", {"topic": "general", "body": "Where is my parcel?"})
    console = await pages.staff("alice_helper", ["helper"], bypass_csp=True)
    await console.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = console.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    await pane.locator("textarea").fill("/whisper a whisper")
    await pane.locator("textarea").press("Enter")
    await pane.locator("textarea").fill("/note a note")
    await pane.locator("textarea").press("Enter")
    await expect(pane.locator(".msg-note:not(.msg-pending)")).to_have_count(1)
    assert not (found := await violations(console)), report(found)
    await open_my_shifts(console)
    assert not (found := await violations(console)), f"My shifts: {report(found)}"
    await open_my_figures(console)
    assert not (found := await violations(console)), f"My figures: {report(found)}"

    monitor = await pages.staff("carol_monitor", ["monitor"], path="/monitor", bypass_csp=True)
    await expect(monitor.locator("#cases-body tr")).to_have_count(1)
    assert not (found := await violations(monitor)), report(found)

    admin = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False, bypass_csp=True)
    await admin_tabs_have_no_violations(admin)


async def test_every_view_has_no_violations_in_the_dark_theme(pages: Any, server: LiveServer, shot: Any) -> None:
    """prefers-color-scheme: dark gives the dark theme; contrast holds there too."""
    r = await server.requester("Rita")
    await r.ok("help.request", {"topic": "general", "body": "Where is my parcel?"})
    console = await pages.staff("alice_helper", ["helper"], bypass_csp=True)
    await console.emulate_media(color_scheme="dark")
    assert await console.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(22, 24, 28)"
    assert not (found := await violations(console)), report(found)
    await console.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = console.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    for text in ("Hello Rita", "/whisper a whisper", "/note a note"):
        await pane.locator("textarea").fill(text)
        await pane.locator("textarea").press("Enter")
    await expect(pane.locator(".msg-note:not(.msg-pending)")).to_have_count(1)
    await pane.locator(".menu-button").click()
    assert not (found := await violations(console)), report(found)
    await doc_shot(shot, console, "console-dark")
    await console.keyboard.press("Escape")
    await open_my_shifts(console)
    assert not (found := await violations(console)), f"My shifts: {report(found)}"
    await doc_shot(shot, console, "my-shifts-dark")
    await open_my_figures(console)
    assert not (found := await violations(console)), f"My figures: {report(found)}"
    await doc_shot(shot, console, "my-figures-dark")

    widget = await pages.new("/", width=390, height=844, bypass_csp=True)
    await widget.emulate_media(color_scheme="dark")
    await widget.wait_for_selector("#start:not([hidden])")
    assert not (found := await violations(widget)), report(found)

    monitor = await pages.staff("carol_monitor", ["monitor"], path="/monitor", bypass_csp=True)
    await monitor.emulate_media(color_scheme="dark")
    await expect(monitor.locator("#cases-body tr")).to_have_count(1)
    assert not (found := await violations(monitor)), report(found)

    admin = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False, bypass_csp=True)
    await admin.emulate_media(color_scheme="dark")
    await admin_tabs_have_no_violations(admin, shot)
