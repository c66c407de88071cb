"""My figures: a helper reads their own cycle-report row (taken, resolved, reply and resolution times,
hours, experts, vouches) with the change since last month in the Reports tab's words and colours. A
colleague's row is never shown, and the server gives the helper's own token nothing else over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.conftest import login
from tests.web.helpers import doc_shot
from tests.web.test_admin_reports import month_words, open_claimed_case
from tests.web.test_phone import no_sideways_scroll

expect = pytest.importorskip("playwright.async_api").expect


async def test_helper_sees_own_figures_only(pages: Any, server: LiveServer, shot: Any) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    for name in ("Rita", "Sam"):
        case = await open_claimed_case(server, alice, name)
        await alice.ok("message.send", {"room_id": case["room_id"], "body": f"Hi {name}", "client_id": name})
    await alice.ok("case.resolve", {"case_id": case["id"]})
    await alice.ok("duty.set", {"on_duty": False})
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)
    for name in ("Tom", "Uma", "Vic"):
        await open_claimed_case(server, bob, name)

    page = await pages.new("/console")
    await login(page, "alice_helper")
    await page.get_by_role("button", name="My figures").click()
    dialog = page.get_by_role("dialog", name="My figures")
    await expect(dialog).to_be_visible()
    this_month, last_month = month_words(server)
    await expect(dialog.locator("#my-figures-period")).to_have_text(f"{this_month}, compared with {last_month}")
    card = dialog.locator(".stat")
    taken = dialog.locator(".stat[data-field=taken]")
    await expect(taken.locator("strong")).to_have_text("2")
    await expect(taken.locator(".change")).to_have_text("2 more")
    await expect(taken.locator(".change")).to_have_class(re.compile("change-better"))
    await expect(taken.locator(".change")).to_have_attribute("title", f"{last_month}: 0")
    await expect(dialog.locator(".stat[data-field=resolved] strong")).to_have_text("1")
    await expect(dialog.locator(".stat[data-field=first_response_p50_seconds] .stat-label")).to_have_text("First reply (median)")
    await expect(dialog.locator(".stat[data-field=first_response_p90_seconds] .stat-label")).to_have_text("First reply (9 in 10 within)")
    await expect(dialog.locator(".stat[data-field=first_response_within_goal_pct]")).to_contain_text("goal: first reply within")
    await expect(card).to_have_count(11)
    # The chart of her counts against last month's, drawn by Chart.js (loaded on demand in the console).
    await expect(page.locator("#chart-my-figures[data-drawn=true]")).to_be_visible()
    drawn = await page.evaluate("Chart.getChart(document.getElementById('chart-my-figures')).data.datasets.map(d => d.data)")
    assert drawn == [[2, 1, 0, 0], [0, 0, 0, 0]], drawn
    # Bob's three cases are nowhere: not in the cards, not in the chart, not in what the server sent.
    await expect(dialog).not_to_contain_text("Bob")
    assert "3" not in await taken.locator("strong").text_content()
    seen = await page.evaluate("""async () => {
        const token = JSON.parse(localStorage.getItem('livehelp.staff')).token;
        const r = await fetch('/api/reports/cycle', {headers: {Authorization: `Bearer ${token}`}});
        const body = await r.json();
        return [r.status, body.scope, body.agents.map(a => a.account.username), body.teams.length, body.totals];
    }""")
    assert seen == [200, "own", ["alice_helper"], 0, None], seen
    await doc_shot(shot, page, "my-figures")

    # Last month: nothing of hers, in figures rather than an error.
    month = await dialog.locator("#my-figures-month").input_value()
    first = server.clock.now().date().replace(day=1)
    assert month == first.strftime("%Y-%m"), month
    before = (first.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    await dialog.locator("#my-figures-month").fill(before)
    await dialog.get_by_role("button", name="Show").click()
    await expect(dialog.locator("#my-figures-period")).to_have_text(re.compile(f"^{last_month}, compared with "))
    await expect(taken.locator("strong")).to_have_text("0")
    await expect(taken.locator(".change")).to_have_count(0)
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_role("button", name="My figures")).to_be_focused()
    assert not pages.errors, pages.errors


async def test_my_figures_on_a_phone(pages: Any, server: LiveServer, shot: Any) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    await open_claimed_case(server, alice, "Rita")
    await alice.ok("duty.set", {"on_duty": False})
    page = await pages.new("/console", width=390, height=844)
    await login(page, "alice_helper")
    await page.get_by_role("button", name="My figures").click()
    dialog = page.get_by_role("dialog", name="My figures")
    await expect(dialog.locator(".stat[data-field=taken] strong")).to_have_text("1")
    await expect(page.locator("#chart-my-figures[data-drawn=true]")).to_be_visible()
    await no_sideways_scroll(page, "My figures on a phone")
    box = await dialog.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    await doc_shot(shot, page, "my-figures-phone")
    assert not pages.errors, pages.errors


async def test_an_admins_figures_are_their_own_row(pages: Any, server: LiveServer) -> None:
    """The server gives an admin every row; My figures still shows only the admin's own (here: nothing taken),
    from the admin page's header too."""
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    await open_claimed_case(server, alice, "Rita")
    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await page.get_by_role("button", name="My figures").click()
    dialog = page.get_by_role("dialog", name="My figures")
    await expect(dialog.locator(".stat[data-field=taken] strong")).to_have_text("0")
    await expect(dialog).not_to_contain_text("Alice")
    assert not pages.errors, pages.errors
