"""Helpers for the browser tests."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from tests.support import REPO, LiveServer

DOCS = REPO / "docs" / "screenshots"


async def doc_shot(shot: Any, page: Any, name: str, top: str | None = None, keep_scroll: bool = False) -> None:
    """A screenshot for test-artifacts/, and with LIVEHELP_DOCS_SCREENSHOTS=1 also for docs/screenshots/.
    The page is scrolled to its top, or to the element `top` (a CSS selector) for a view further down,
    or left where it is (keep_scroll)."""
    if keep_scroll:
        pass
    elif top is None:
        await page.evaluate("window.scrollTo(0, 0)")
    else:
        await page.locator(top).evaluate("n => n.scrollIntoView({block: 'start'})")
    path = await shot(page, name)
    if os.environ.get("LIVEHELP_DOCS_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


async def require_events(server: LiveServer, *events: str) -> None:
    """Skip (with the reason) while the server does not implement an event this flow needs yet."""
    guest = await server.guest("probe")
    probe = await server.client(guest["token"], "probe")
    try:
        for event in events:
            answer = await probe.call(event, {})
            err = answer.get("error") or {}
            if not answer.get("ok") and "unknown event" in str(err.get("message", "")):
                pytest.skip(f"the server does not implement {event!r} yet")
    finally:
        await probe.close()


async def pane_action(pane: Any, name: str) -> None:
    """Run a case action from a conversation's "More" menu (the one primary action stays outside it)."""
    await pane.locator(".menu-button").click()
    await pane.locator(".action-menu").get_by_role("button", name=name).click()
