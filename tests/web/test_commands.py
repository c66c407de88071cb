"""IRC-style commands typed in the console input, end to end: /me, /escalate (opens the dialog with
route and note filled in), /resolve with a summary, //text, and an unknown command. (/whisper, /note,
/hold, /resume, /join #room and /help are driven in test_views.py::test_console_view.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect


async def test_me_escalate_resolve_commands(pages: Any, server: LiveServer, shot: Any) -> None:
    probe = await server.staff("probe_helper", ["helper"])
    routes = (await probe.ok("escalation.routes", {}))["routes"]
    await probe.close()
    assert routes, "config.yaml defines no escalation routes"
    route = routes[0]

    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita", "The export button does nothing.")
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    box = pane.locator("textarea")

    # /me: an action line, the same on both sides.
    await box.fill("/me checks the export logs")
    await box.press("Enter")
    await expect(pane.locator(".msg-action:not(.msg-pending) .msg-body")).to_have_text("* Alice checks the export logs")
    await expect(rita.locator(".msg-action .msg-body")).to_have_text("* Alice checks the export logs")

    # //text sends text that starts with a slash; an unknown command is refused in place, nothing sent.
    await box.fill("//tmp is full")
    await box.press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("/tmp is full")
    await box.fill("/frobnicate now")
    await box.press("Enter")
    await expect(pane.locator(".error")).to_contain_text("Unknown command /frobnicate")
    await expect(rita.locator(".messages")).not_to_contain_text("frobnicate")

    # /escalate ROUTE NOTE opens the dialog with both filled in; Escape cancels and nothing changes.
    await box.fill(f"/escalate {route['name']} export broken for every user")
    await box.press("Enter")
    dialog = helper.locator("dialog[open]")
    await expect(dialog.get_by_label("Route")).to_have_value(route["name"])
    await expect(dialog.get_by_label(re.compile("^Note"))).to_have_value("export broken for every user")
    await shot(helper, "command-escalate-dialog")
    await helper.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(pane.locator(".chip-active")).to_be_visible()

    # /resolve SUMMARY resolves at once; the requester sees the case closed.
    await box.fill("/resolve export fixed by clearing the cache")
    await box.press("Enter")
    await expect(pane.locator(".chip-resolved")).to_be_visible()
    await expect(rita.locator("#case-status")).to_contain_text("closed")
    assert not pages.errors, pages.errors
