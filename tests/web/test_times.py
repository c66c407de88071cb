"""Times in the viewer's language and zone (Intl): "in 23 min" for targets, the exact local time on hover."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect


async def test_times_follow_the_viewers_locale_and_zone(pages: Any, server: LiveServer) -> None:
    page = await pages.new("/console", locale="de-DE", timezone_id="Asia/Tokyo")
    got = await page.evaluate("""async () => {
        const d = await import('/static/js/dom.js');
        const now = Date.parse('2026-12-05T16:04:32Z');
        const box = document.createElement('div');
        box.append(...d.withTimes('respond by 2026-12-05T16:27:32.956Z please'));
        const since = document.createElement('div');
        since.append(...d.withTimes('the oldest (case #2) since 2026-12-05T16:04:32.000Z.'));
        return {
          since: since.textContent,
          rel: d.relTime('2026-12-05T16:27:32Z', now),
          ago: d.relTime('2026-12-05T15:59:32Z', now),
          exact: d.exactTime('2026-12-05T16:04:32Z'),
          clock: d.clock('2026-12-05T16:04:32Z'),
          text: box.textContent,
          title: box.querySelector('time').title,
        };
    }""")
    assert got["rel"] == "in 23 Min.", got
    assert got["ago"] == "vor 5 Min.", got
    assert "01:04" in got["exact"] and "6. Dez." in got["exact"], got   # Tokyo is UTC+9: the next day
    assert got["clock"] == "01:04", got
    assert "2026-12-05T" not in got["text"] and got["title"], got
    # "waiting since <instant>" names the local clock time, not "since 5 min ago".
    assert got["since"] == "the oldest (case #2) since 01:04.", got
    assert not pages.errors, pages.errors
