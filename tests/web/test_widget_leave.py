"""Leaving the chat asks in the page's own dialog (not the browser's confirm()) and says what happens."""

from __future__ import annotations

from typing import Any

import pytest

expect = pytest.importorskip("playwright.async_api").expect


async def test_leaving_asks_in_a_dialog(pages: Any) -> None:
    rita = await pages.requester("Rita", "Is anyone there?")
    await rita.get_by_role("button", name="Leave this chat").click()
    dialog = rita.locator("dialog[open]")
    await expect(dialog).to_contain_text("your request will be withdrawn")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(rita.locator("#chat")).to_be_visible()
    await rita.get_by_role("button", name="Leave this chat").click()
    await rita.locator("dialog[open]").get_by_role("button", name="Leave").click()
    await expect(rita.locator("#start")).to_be_visible()
    assert not pages.errors, pages.errors
