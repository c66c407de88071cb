"""The monitor dashboard: waiting time against the response goal in colour (ok, near the limit, over it),
supervision load, and taking a case over from a helper."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # Not the defaults (10 min, 1 h): the dashboard must colour by what config.yaml says.
    return {"helpdesk": {"sla": {"first_response_warning": "5m", "first_response_goal": "30m"}}}


AGREE = """() => {
  const stat = (label) => { const s = Array.from(document.querySelectorAll('#summary .stat'))
    .find((x) => x.querySelector('span').textContent === label); return s ? Number(s.querySelector('strong').textContent) : null; };
  const rows = Array.from(document.querySelectorAll('#cases-body tr'));
  const loadSum = Array.from(document.querySelectorAll('#load-body tr'))
    .reduce((n, tr) => n + parseInt(tr.children[1].textContent, 10), 0);
  return { live: stat('Live cases'), rows: rows.length, queued: stat('Waiting in queue'),
           queuedRows: rows.filter((r) => r.querySelector('.chip-queued')).length,
           supervised: stat('Supervised'), supervisedRows: rows.filter((r) => /monitor /.test(r.textContent)).length,
           load: loadSum };
}"""


async def numbers_agree(page: Any) -> dict[str, Any]:
    """The dashboard never contradicts itself: each figure matches the table it summarises."""
    n = await page.evaluate(AGREE)
    assert n["live"] == n["rows"] and n["queued"] == n["queuedRows"], n
    assert n["supervised"] == n["supervisedRows"] == n["load"], n
    return n  # type: ignore[no-any-return]


async def test_waiting_colours_and_take_over(pages: Any, server: LiveServer, shot: Any) -> None:
    clock = server.clock
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    ids: dict[str, int] = {}
    # This module's config: warning at 5 minutes, goal at 30 minutes.
    for name, question, wait_after in (("Olga", "Still waiting since this morning", 25 * 60),
                                        ("Nina", "A question from a while ago", 6 * 60),
                                        ("Fay", "A fresh question", 0)):
        r = await server.requester(name)
        ids[name] = (await r.ok("help.request", {"topic": "general", "body": question}))["case"]["id"]
        clock.advance(wait_after)  # type: ignore[union-attr]

    page = await pages.staff("carol_monitor", ["monitor"], path="/monitor")
    row = lambda n: page.locator(f'#cases-body tr[data-case-id="{ids[n]}"]')  # noqa: E731
    await expect(page.locator("#cases-body tr")).to_have_count(3)
    await expect(row("Olga").locator("td.wait-over")).to_contain_text("(waiting)")
    await expect(row("Nina").locator("td.wait-near")).to_contain_text("6 min / 30 min")
    await expect(row("Fay").locator("td.wait-ok")).to_be_visible()
    await expect(page.locator("#summary")).to_contain_text(re.compile(r"1\s*Over the response goal"))
    await expect(page.locator("#summary .stat").filter(has_text=re.compile(r"^\S+ min\s*Response goal"))).to_have_text(re.compile(r"^30 min\s*Response goal$"))
    await expect(page.locator("#summary")).not_to_contain_text("(default)")
    await doc_shot(shot, page, "monitor-waiting-colours")
    assert (await numbers_agree(page))["queued"] == 3

    # Alice claims Fay's case; the monitor supervises it, then takes it over with a note.
    await helper.ok("case.claim", {"case_id": ids["Fay"]})
    await expect(row("Fay")).to_contain_text("helper Alice")
    assert (await numbers_agree(page))["queued"] == 2
    # Alice answers Nina (waiting 6 min: amber): the row turns answered at once, from the answer's event.
    nina = (await helper.ok("case.claim", {"case_id": ids["Nina"]}))["case"]
    await helper.ok("message.send", {"room_id": nina["room_id"], "body": "Hi Nina, here now.", "client_id": "n1"})
    # (The answer's own case.updated carrying first_response_at is proven over sockets in
    # tests/helpdesk/test_flow.py; here the page shows it, from that event or its debounced reload.)
    await expect(row("Nina").locator("td").nth(3)).to_contain_text("(answered)")
    await expect(row("Nina").locator("td.wait-near")).to_have_count(0)
    assert (await numbers_agree(page))["queued"] == 1
    await row("Fay").get_by_role("button", name=re.compile("^Supervise")).click()
    await expect(row("Fay")).to_contain_text("monitor Carol")
    await expect(page.locator("#load-body")).to_contain_text("Carol")
    assert (await numbers_agree(page))["supervised"] == 1
    await row("Fay").get_by_role("button", name=re.compile("^Take over")).click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label(re.compile("^Note")).fill("Taking this one, it touches billing")
    await dialog.get_by_role("button", name="Take over").click()
    await expect(dialog).to_have_count(0)
    await expect(row("Fay")).to_contain_text("helper Carol")
    await numbers_agree(page)
    # Live from events: a new request appears at once, with no 30 s poll to wait for.
    sam = await server.requester("Sam")
    await sam.ok("help.request", {"topic": "general", "body": "Hello?"})
    await expect(page.locator("#cases-body tr")).to_have_count(4, timeout=3000)
    assert (await numbers_agree(page))["queued"] == 2
    update = await helper.wait_for("case.updated", lambda c: (c.get("case", c).get("helper") or {}).get("display_name") == "Carol")
    assert update.get("case", update)["id"] == ids["Fay"]
    await helper.wait_for("message", lambda m: m.get("body") == "Taking this one, it touches billing" and m["kind"] == "note")
    assert not pages.errors, pages.errors


ROWS_OF_CARDS = """() => {
  const tops = {};
  for (const s of document.querySelectorAll('#summary .stat')) { const y = Math.round(s.getBoundingClientRect().top); tops[y] = (tops[y] || 0) + 1; }
  return Object.values(tops);
}"""


async def test_stat_cards_never_leave_one_alone_on_a_row(pages: Any, server: LiveServer, shot: Any) -> None:
    await server.staff("alice_helper", ["helper"], on_duty=True)
    page = await pages.staff("carol_monitor", ["monitor"], path="/monitor")
    await expect(page.locator("#on-duty-stat")).to_contain_text("2")
    await expect(page.locator("#on-duty-stat .stat-detail")).to_contain_text("1 helper")
    for width in (1280, 1100, 900, 700, 390):
        await page.set_viewport_size({"width": width, "height": 800})
        rows = await page.evaluate(ROWS_OF_CARDS)
        assert sum(rows) == 6 and min(rows) >= 2, (width, rows)
    assert not pages.errors, pages.errors
