"""The console as a workspace: full height, a conversation list with previews and unread counts, two sides
in the log, one primary action and a menu, a details panel, keyboard shortcuts listed in the help dialog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot, pane_action

expect = pytest.importorskip("playwright.async_api").expect


async def no_sideways_scroll(page: Any) -> None:
    width = await page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = await page.evaluate(
            "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
        raise AssertionError(f"sideways scroll: {width[0]} px of content in {width[1]} px: {wide}")


async def test_workspace_layout_sides_menu_and_shortcuts(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await pages.staff("alice_helper", ["helper"])
    await helper.set_viewport_size({"width": 1280, "height": 800})
    rita = await pages.requester("Rita", "My printer prints only blank pages.")
    sam = await pages.requester("Sam", "I cannot log in since this morning.")

    # The queue previews each question.
    queue = helper.locator("#queue li")
    await expect(queue).to_have_count(2)
    await expect(queue.nth(0).locator(".case-preview")).to_have_text("My printer prints only blank pages.")
    await expect(queue.nth(1).locator(".case-preview")).to_have_text("I cannot log in since this morning.")

    await queue.nth(0).get_by_role("button", name="Claim").click()
    rita_pane = helper.locator(".pane-case").first
    await expect(rita_pane.locator(".chip-active")).to_be_visible()
    await rita_pane.locator("textarea").fill("Hello Rita, which printer is it?")
    await rita_pane.locator("textarea").press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("which printer")
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    await expect(helper.locator(".pane-case")).to_have_count(2)

    # Full height: the conversation reaches the bottom of the window; no page scroll.
    box = await rita_pane.bounding_box()
    assert box["y"] + box["height"] > 800 - 24, box
    assert await helper.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight + 1")

    # Requester on one side, staff on the other.
    theirs = await rita_pane.locator(".msg-from-requester").first.bounding_box()
    ours = await rita_pane.locator(".msg-from-staff").first.bounding_box()
    assert theirs["x"] < ours["x"], (theirs, ours)
    # "Mark sensitive" is offered on the requester's words only.
    await expect(rita_pane.locator(".msg-from-requester .msg-mark")).to_have_count(1)
    await expect(rita_pane.locator(".msg-from-staff .msg-mark")).to_have_count(0)

    # One primary action, the rest in a menu.
    await expect(rita_pane.locator(".pane-primary button")).to_have_text("Resolve…")
    await rita_pane.locator(".menu-button").click()
    await expect(rita_pane.locator(".action-menu")).to_be_visible()
    await expect(rita_pane.locator(".action-menu").get_by_role("button", name="Hold")).to_be_visible()
    await helper.keyboard.press("Escape")
    await expect(rita_pane.locator(".action-menu")).to_be_hidden()

    # Details side panel.
    details = rita_pane.locator(".case-details")
    await expect(details).to_contain_text("Rita")
    await expect(details).to_contain_text("Helper")

    # Rita replies while Alice works in Sam's case: the list shows the preview and an unread count.
    sam_pane = helper.locator(".pane-case").nth(1)
    await sam_pane.locator("textarea").click()
    await rita.fill("#body", "A LaserJet 4000.")
    await rita.press("#body", "Enter")
    await expect(rita_pane.locator(".messages")).to_contain_text("A LaserJet 4000.")
    mine = helper.locator("#my-cases li").filter(has_text="Rita")
    await expect(mine.locator(".case-preview")).to_have_text("A LaserJet 4000.")
    await rita_pane.locator(".pane-close").click()
    await rita.fill("#body", "It is plugged in by USB.")
    await rita.press("#body", "Enter")
    await expect(mine.locator(".count-unread")).to_have_text("1")
    await expect(helper).to_have_title("(1) livehelp console")

    # Alt+J goes to the next conversation, unread first; Alt+W and Alt+N switch the message kind.
    await helper.keyboard.press("Alt+j")
    rita_pane = helper.locator(".pane-case").filter(has_text="plugged in by USB")
    await expect(rita_pane).to_have_count(1)
    await expect(mine.locator(".count-unread")).to_have_count(0)
    await expect(helper).to_have_title("livehelp console")
    await helper.keyboard.press("Alt+w")
    await expect(rita_pane.locator("select.kind-select")).to_have_value("whisper")
    await helper.keyboard.press("Alt+n")
    await expect(rita_pane.locator("select.kind-select")).to_have_value("note")
    await rita_pane.locator("textarea").fill("Asked for the model; USB.")
    await rita_pane.locator("textarea").press("Enter")
    await expect(rita_pane.locator(".case-details .details-notes")).to_contain_text("Asked for the model")
    await helper.keyboard.press("Alt+r")
    await expect(rita_pane.locator("select.kind-select")).to_have_value("chat")
    await doc_shot(shot, helper, "console-workspace")

    # The help dialog lists the shortcuts and opens at its top.
    await helper.locator("#help-open").click()
    dialog = helper.locator("dialog[open]")
    await expect(dialog).to_contain_text("Alt+J")
    await expect(dialog).to_contain_text("Alt+E")
    await expect(dialog.get_by_role("heading", name="Help: shortcuts and commands")).to_be_in_viewport()
    await doc_shot(shot, helper, "console-help")
    await dialog.get_by_role("button", name="Close").click()

    # Alt+E resolves the current case.
    await rita_pane.locator("textarea").click()
    await helper.keyboard.press("Alt+e")
    await helper.locator("dialog[open]").get_by_role("button", name="Resolve").click()
    await expect(rita_pane.locator(".chip-resolved")).to_be_visible()

    # Phone: one column, no sideways scroll; details open from their own button.
    await helper.set_viewport_size({"width": 390, "height": 844})
    await no_sideways_scroll(helper)
    sam_pane = helper.locator(".pane-case").filter(has_text="Sam")
    await sam_pane.scroll_into_view_if_needed()
    await sam_pane.locator(".details-toggle").click()
    await expect(sam_pane.locator(".case-details")).to_be_visible()
    await no_sideways_scroll(helper)
    await shot(helper, "console-phone-details")
    await sam_pane.locator(".details-toggle").click()
    await helper.evaluate("window.scrollTo(0, 0)")
    await doc_shot(shot, helper, "console-phone")
    await pane_action(sam_pane, "Hold")
    await expect(sam_pane.locator(".chip-on_hold")).to_be_visible()
    assert not pages.errors, pages.errors
    await sam.close()
