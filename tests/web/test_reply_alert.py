"""A requester's reply in a case I work rings, counts in the title and notifies while the tab is hidden;
typing shows both ways (and a whisper being typed never reaches the requester)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.conftest import login

expect = pytest.importorskip("playwright.async_api").expect

# Records what the page asked for (the real Notification still runs, with the permission granted).
SPY = """
window.__tones = [];
window.addEventListener('livehelp:tone', (e) => window.__tones.push(e.detail));
window.__notes = [];
const Orig = window.Notification;
if (Orig) {
  class Spy extends Orig {
    constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body }); super(title, opts); }
  }
  Object.defineProperty(Spy, 'permission', { get: () => Orig.permission });
  Spy.requestPermission = (...a) => Orig.requestPermission(...a);
  window.Notification = Spy;
}
"""

HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.dispatchEvent(new Event('visibilitychange'));
}"""

SHOW = """() => {
  delete document.visibilityState; delete document.hidden;
  document.dispatchEvent(new Event('visibilitychange'));
}"""


async def test_reply_rings_counts_and_notifies_when_hidden_and_typing_shows(pages: Any, server: LiveServer, shot: Any) -> None:
    await server.create_account("alice_helper", ["helper"], [], display_name="Alice")
    helper = await pages.new("/console")
    await helper.context.grant_permissions(["notifications"], origin=server.url)
    await helper.add_init_script(SPY)
    await helper.reload()
    await login(helper, "alice_helper")
    await helper.click("#duty-toggle")
    await helper.wait_for_selector("#duty-toggle[aria-pressed=true]")
    rita = await pages.requester("Rita", "My printer prints only blank pages.")
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()
    await expect(helper).to_have_title("livehelp console")

    # Typing, both ways: Rita types, Alice sees it; Alice whispers (Rita sees nothing), then replies.
    await rita.locator("#body").press_sequentially("It is a Laser")
    await expect(pane.locator(".typing")).to_have_text("Rita is typing…")
    await pane.locator("select.kind-select").select_option("whisper")
    await pane.locator("textarea").press_sequentially("toner?")
    await helper.wait_for_timeout(800)
    await expect(rita.locator("#typing")).to_have_text("")
    await pane.locator("textarea").fill("")
    await pane.locator("select.kind-select").select_option("chat")
    await pane.locator("textarea").press_sequentially("Which model")
    await expect(rita.locator("#typing")).to_have_text("Alice is typing…")
    await shot(rita, "requester-sees-typing")
    await pane.locator("textarea").press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("Which model")
    await expect(rita.locator("#typing")).to_have_text("")

    # Alice's tab goes to the background; Rita answers: a tone, a notification, a count in the title.
    await helper.evaluate(HIDE)
    await rita.locator("#body").fill("A LaserJet 4000.")
    await rita.locator("#body").press("Enter")
    await expect(helper).to_have_title("(1) livehelp console")
    await expect(pane.locator(".typing")).to_have_text("")
    assert "reply" in await helper.evaluate("window.__tones")
    notes = await helper.evaluate("window.__notes")
    assert any("Rita replied" in n["title"] and n["body"] == "A LaserJet 4000." for n in notes), notes
    await expect(helper.locator("#my-cases .count-unread")).to_have_text("1")

    # Back on the tab, the open conversation counts as read.
    await helper.evaluate(SHOW)
    await expect(helper).to_have_title("livehelp console")
    await expect(helper.locator("#my-cases .count-unread")).to_have_count(0)
    assert not pages.errors, pages.errors
