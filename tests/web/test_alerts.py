"""A personal escalation reaches the on-duty monitor as an alert that cannot be missed; the requester
never learns of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.conftest import login
from tests.web.helpers import pane_action

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


# Records what the page asks of the browser's own sound and notification APIs (the real ones still run:
# the notification permission is granted to the context, the tone plays through WebAudio). The tab is
# "in the background" (no focus), which is when a notification is shown.
RECORD_ATTENTION = """
window.__notifications = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = new Proxy(RealNotification, {
  construct(target, args) { window.__notifications.push({title: args[0], body: (args[1] || {}).body || ''});
                            return Reflect.construct(target, args); },
});
const realOsc = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones += 1; return realOsc.call(this); };
document.hasFocus = () => false;
"""


async def test_new_request_alert_sound_notification_title(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await pages.new("/console")
    await helper.context.grant_permissions(["notifications"], origin=server.url)
    await helper.add_init_script(RECORD_ATTENTION)
    await server.create_account("alice_helper", ["helper"], display_name="Alice")
    await helper.reload()
    await login(helper, "alice_helper")
    await helper.click("#duty-toggle")
    await helper.wait_for_selector("#duty-toggle[aria-pressed=true]")
    await expect(helper).to_have_title("livehelp console")
    assert await helper.evaluate("Notification.permission") == "granted"
    tones_before = await helper.evaluate("window.__tones")

    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "My parcel is lost"})

    await expect(helper.locator("#queue li")).to_have_count(1)
    await expect(helper).to_have_title("(1) livehelp console")
    notes = await helper.evaluate("window.__notifications")
    assert [n["title"] for n in notes] == ["New help request"], notes
    assert "Rita" in notes[0]["body"]
    assert await helper.evaluate("window.__tones") > tones_before
    # Screen readers hear of it too.
    await expect(helper.locator("#sr-live")).to_contain_text("New help request from Rita")

    # A second request: the count goes up; claiming one brings it down.
    sam = await server.requester("Sam")
    await sam.ok("help.request", {"topic": "general", "body": "Where is my invoice?"})
    await expect(helper).to_have_title("(2) livehelp console")
    assert len(await helper.evaluate("window.__notifications")) == 2
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(helper).to_have_title("(1) livehelp console")
    await shot(helper, "alert-new-request")
    assert not pages.errors, pages.errors


async def test_sla_breach_alerts_reach_the_monitor_console(pages: Any, server: LiveServer, shot: Any) -> None:
    from server.actions import sla

    monitor = await pages.staff("carol_monitor", ["monitor"])
    rita = await server.requester("Rita")
    case = (await rita.ok("help.request", {"topic": "general", "body": "Anyone there?"}))["case"]
    assert server.deps is not None
    server.clock.advance(minutes=10)  # type: ignore[union-attr]
    await sla.run_once(server.deps, server.clock.now())  # type: ignore[union-attr]
    warning = monitor.locator("#alerts .alert-warning").filter(has_text="Waiting too long")
    await expect(warning).to_contain_text(f"#{case['id']}")
    server.clock.advance(minutes=50)  # type: ignore[union-attr]
    await sla.run_once(server.deps, server.clock.now())  # type: ignore[union-attr]
    breach = monitor.locator("#alerts .alert-urgent").filter(has_text="Response goal missed")
    await expect(breach).to_be_visible()
    await expect(breach).to_have_attribute("role", "alert")
    await shot(monitor, "alert-sla-breach")
    # Urgent banners stay until someone dismisses them.
    await monitor.wait_for_timeout(500)
    await expect(breach).to_be_visible()
    await breach.get_by_role("button", name=re.compile("^Dismiss")).click()
    await expect(breach).to_have_count(0)
    assert not pages.errors, pages.errors


async def test_blocker_checklist_in_the_dialog_then_on_call_is_paged(pages: Any, server: LiveServer, shot: Any) -> None:
    probe = await server.staff("probe_helper", ["helper"])
    routes = (await probe.ok("escalation.routes", {}))["routes"]
    bugs = next((r for r in routes if r["checklist"]), None)
    assert bugs is not None, "config.yaml has no route with a checklist"
    oncall = await pages.staff("olive_oncall", ["helper"], teams=["on-call"], on_duty=False)
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await server.requester("Rita")
    case = (await rita.ok("help.request", {"topic": "general", "body": "I cannot log in at all"}))["case"]
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()

    await pane_action(pane, "Escalate…")
    dialog = helper.locator("dialog[open]")
    await dialog.get_by_label("Route").select_option(bugs["name"])
    await dialog.get_by_label("Priority").select_option(bugs["priorities"][0])
    if await dialog.get_by_label("Category").is_visible():
        await dialog.get_by_label("Category").select_option(index=1)
    await dialog.get_by_label(re.compile("^Note")).fill("Login fails for everyone since the deploy")
    items = bugs["checklist"]
    for item in items[:-1]:
        await dialog.get_by_label(item, exact=True).check()
    # One item left unconfirmed: refused, nothing escalated, the dialog stays open.
    await dialog.get_by_role("button", name="Escalate").click()
    await expect(dialog.locator(".error")).to_contain_text("confirm every checklist item")
    await expect(pane.locator(".chip-active")).to_be_visible()
    await dialog.get_by_label(items[-1], exact=True).check()
    await dialog.get_by_role("button", name="Escalate").click()
    await expect(dialog).to_have_count(0)
    await expect(pane.locator(".chip-escalated")).to_be_visible()

    # On-call is paged at once, on duty or not, with an urgent banner that opens the case.
    banner = oncall.locator("#alerts .alert-urgent").filter(has_text="Blocker")
    await expect(banner).to_be_visible()
    await expect(banner).to_have_attribute("role", "alert")
    await expect(banner.get_by_role("button", name=re.compile(f"Open case #{case['id']}"))).to_be_visible()
    await shot(oncall, "alert-blocker")
    assert not pages.errors, pages.errors


async def test_the_inbox_keeps_alerts_raised_while_away_until_acknowledged(pages: Any, server: LiveServer,
                                                                            shot: Any) -> None:
    """Issue 12: an alert raised while the monitor was away waits in the bell's inbox; Acknowledge clears it."""
    await server.create_account("carol_monitor", ["monitor", "admin"], display_name="Carol")  # admins: always
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I think I will quit the course"})
    monitor = await pages.new("/console")
    await login(monitor, "carol_monitor")
    bell = monitor.locator(".inbox-bell")
    await expect(bell).to_have_attribute("aria-label", "Alerts: 1 unacknowledged")
    await bell.click()
    item = monitor.locator("#inbox-panel .inbox-item")
    await expect(item).to_contain_text("Personal escalation")
    await shot(monitor, "alert-inbox")
    await item.get_by_role("button", name="Acknowledge").click()
    await expect(bell).to_have_attribute("aria-label", "Alerts: 0 unacknowledged")
    listed = await server.client((await server.login("carol_monitor"))["token"], "carol api")
    assert (await listed.ok("alert.list", {"unacknowledged": True}))["alerts"] == []
    assert not pages.errors, pages.errors
