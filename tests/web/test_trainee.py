"""A trainee shadows a case with one click, is read-only (and told why) until a monitor supervises."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot, pane_action, require_events

expect = pytest.importorskip("playwright.async_api").expect


async def test_trainee_shadows_is_blocked_then_supervised(pages: Any, server: LiveServer, shot: Any) -> None:
    await require_events(server, "case.shadow")
    trainee = await pages.staff("bob_trainee", ["trainee"])
    rita = await pages.requester("Rita", "How do I reset my password?")

    # Trainees get the same queue alert as helpers; one click shadows.
    item = trainee.locator("#queue li").first
    await expect(item).to_contain_text("Rita")
    await item.get_by_role("button", name=re.compile("^Shadow")).click()
    pane = trainee.locator(".pane-case").first
    await expect(pane.locator(".chip-shadow")).to_be_visible()
    await expect(pane.locator(".messages")).to_contain_text("How do I reset my password?")

    # Shadowing, the trainee may whisper and write notes, never chat; the page says why.
    textarea = pane.locator("textarea")
    await expect(textarea).to_be_enabled()
    kinds = pane.locator("select.kind-select option:not([hidden])")
    await expect(kinds).to_have_text(["Whisper", "Note"])
    notice = pane.locator(".readonly-notice")
    await expect(notice).to_contain_text("whisper")

    # No monitor is on duty: Claim is not offered at all (it would be refused), and the page says why.
    await expect(item.get_by_role("button", name=re.compile("^Claim"))).to_have_count(0)
    await expect(pane.get_by_role("button", name=re.compile("^Claim"))).to_have_count(0)
    await expect(item).to_contain_text("No monitor is on duty")
    # Nor Hold, Resolve or Transfer: the case is not the trainee's.
    await pane.locator(".menu-button").click()
    menu = pane.locator(".action-menu")
    await expect(menu.get_by_role("button")).not_to_have_count(0)
    for refused in ("Hold", "Resolve…", "Transfer…", "Escalate…", "Attach file…"):
        await expect(menu.get_by_role("button", name=refused)).to_have_count(0)
    await pane.locator(".menu-button").click()

    # The whisper reaches the staff side of the log, never the requester.
    await textarea.fill("Should I ask for the account e-mail first?")
    await textarea.press("Enter")
    await expect(pane.locator(".msg-whisper")).to_contain_text("account e-mail")
    await doc_shot(shot, trainee, "trainee-shadowing")

    # A monitor goes on duty (in her own console); after "Check again" the claim is offered and supervised.
    monitor = await pages.staff("carol_monitor", ["monitor"])
    await item.get_by_role("button", name=re.compile("^Check again")).click()
    await pane.get_by_role("button", name=re.compile("^Claim")).click()
    await expect(pane.locator(".pane-people")).to_contain_text("Monitor: Carol")
    await expect(kinds).to_have_count(3)
    await expect(notice).to_contain_text("Supervised by Carol")
    await pane.locator("select.kind-select").select_option("chat")

    await textarea.fill("Hi Rita, I can help with that.")
    await textarea.press("Enter")
    await expect(rita.locator(".messages")).to_contain_text("I can help with that.")
    await shot(trainee, "trainee-supervised")

    # The monitor sees the supervised case as hers, resolves it and vouches for the trainee.
    await monitor.locator("#my-cases button").filter(has_text="Rita").click()
    mpane = monitor.locator(".pane-case").first
    await expect(mpane.locator(".messages")).to_contain_text("I can help with that.")
    await mpane.get_by_role("button", name=re.compile("^Resolve")).click()
    await monitor.locator("dialog[open]").get_by_role("button", name="Resolve").click()
    await expect(mpane.locator(".chip-resolved")).to_be_visible()
    await expect(textarea).to_be_disabled()
    await expect(rita.locator(".messages")).not_to_contain_text("account e-mail")
    await pane_action(mpane, "Vouch for trainee…")
    dialog = monitor.locator("dialog[open]")
    await dialog.get_by_label("Note").fill("Calm, clear and checked the account first.")
    await dialog.get_by_role("button", name="Vouch").click()
    await expect(dialog).to_have_count(0)
    await expect(trainee.locator("#alerts")).to_contain_text("Vouch")
    await expect(trainee.locator("#my-record")).to_contain_text("Vouches: 1 of")
    await shot(monitor, "monitor-console-vouch")
    assert not pages.errors, pages.errors
