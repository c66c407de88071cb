"""Admin pages beyond accounts: the escalation report (counts per route this month), and promoting a
trainee who became eligible by vouches (one vouch is enough in this module's config)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer
from tests.web.helpers import doc_shot
from tests.web.test_phone import no_sideways_scroll

expect = pytest.importorskip("playwright.async_api").expect


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"roles": {"supervision_check_interval": 0,
                      "promotion": {"vouches_required": 1, "distinct_vouchers_required": 1}}}


async def open_claimed_case(server: LiveServer, staff: Any, name: str) -> dict[str, Any]:
    r = await server.requester(name)
    case = (await r.ok("help.request", {"topic": "general", "body": f"{name} needs help"}))["case"]
    await staff.ok("case.claim", {"case_id": case["id"]})
    return case  # type: ignore[no-any-return]


async def test_escalation_report(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    routes = (await helper.ok("escalation.routes", {}))["routes"]
    plain = [r for r in routes if not r["checklist"]]
    assert plain, "config.yaml has no route without a checklist"
    route = plain[0]
    for name in ("Rita", "Sam"):
        case = await open_claimed_case(server, helper, name)
        answer = await helper.ok("case.escalate", {"case_id": case["id"], "route": route["name"],
                                                   "priority": route["priorities"][-1],
                                                   "note": "Tried the usual steps; needs the team"})
        assert answer["case"]["status"] in ("escalated", "active"), answer

    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await page.get_by_role("tab", name="Reports").click()
    reports = page.locator("#reports")
    # The period in words in the viewer's locale, not ISO text.
    this_month, last_month = month_words(server)
    await expect(page.locator("#report-period")).to_have_text(f"{this_month}, compared with {last_month}")
    # One row per route: this month's escalations with the change since last month in words.
    route_row = reports.locator("#routes-table tbody tr").filter(has=page.get_by_role("rowheader", name=route["name"], exact=True))
    escalations = route_row.locator("td").nth(1)
    await expect(escalations.locator("strong")).to_have_text("2")
    await expect(escalations.locator(".change")).to_have_text("2 more")
    await expect(escalations.locator(".change")).to_have_attribute("title", f"{last_month}: 0")
    # The summary card and the chart, drawn by Chart.js with this month's figures against last month's.
    card = reports.locator(".stat").filter(has_text="Escalations").first
    await expect(card.locator("strong")).to_have_text("2")
    await expect(page.locator("#chart-routes[data-drawn=true]")).to_be_visible()
    drawn = await page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('chart-routes'));
        return {labels: chart.data.labels, now: chart.data.datasets[0].data, before: chart.data.datasets[1].data};
    }""")
    assert drawn == {"labels": [route["name"]], "now": [2], "before": [0]}, drawn
    label = await page.locator("#chart-routes").get_attribute("aria-label")
    assert label and f"{route['name']}: 2" in label, label
    await doc_shot(shot, page, "admin-reports")
    assert not pages.errors, pages.errors


def month_words(server: LiveServer) -> tuple[str, str]:
    """This month and the one before as the page names them (en-US, the browser's default)."""
    now = server.clock.now()
    first = now.replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    return first.strftime("%B %Y"), before.strftime("%B %Y")


async def test_promote_eligible_trainee(pages: Any, server: LiveServer, shot: Any) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    await server.create_account("tina_trainee", ["trainee"], display_name="Tina")
    r = await server.requester("Rita")
    case = (await r.ok("help.request", {"topic": "general", "body": "Help please"}))["case"]
    await carol.ok("case.supervise", {"case_id": case["id"]})
    await bob.ok("case.claim", {"case_id": case["id"]})
    await bob.ok("message.send", {"room_id": case["room_id"], "body": "Hello Rita", "client_id": "b1"})
    await bob.ok("case.resolve", {"case_id": case["id"]})
    bob_id = bob.account["id"]
    await carol.ok("case.vouch", {"case_id": case["id"], "trainee_id": bob_id, "note": "solid"})

    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await page.get_by_role("tab", name="Promotion").click()
    bob_row = page.locator("#promotion-body tr").filter(has_text="Bob")
    tina_row = page.locator("#promotion-body tr").filter(has_text="Tina")
    await expect(bob_row).to_contain_text("yes")
    await expect(tina_row).to_contain_text("not yet")
    await expect(tina_row.get_by_role("button", name=re.compile("^Promote"))).to_be_disabled()
    await shot(page, "admin-promotion")
    await bob_row.get_by_role("button", name="Promote Bob to helper").click()
    await expect(page.locator("#promotion-status")).to_contain_text("Bob is now a helper")
    await expect(bob_row).to_have_count(0)
    account = (await server.get("/api/me", bob.token))[1]["account"]
    assert "helper" in account["roles"] and "trainee" not in account["roles"], account
    assert not pages.errors, pages.errors


async def test_cycle_report_reads_in_words_and_downloads(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await server.staff("alice_helper", ["helper"], on_duty=True)
    for name in ("Rita", "Sam"):
        case = await open_claimed_case(server, helper, name)
        await helper.ok("message.send", {"room_id": case["room_id"], "body": f"Hi {name}", "client_id": name})
    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)
    await page.get_by_role("tab", name="Reports").click()
    table = page.locator("#cycle-table")
    await expect(table).to_be_visible()
    alice = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="Alice"))
    taken = alice.locator("td").nth(0)
    # Two cases this month, none the month before: the figure, the change in words, coloured as better.
    await expect(taken.locator("strong")).to_have_text("2")
    await expect(taken.locator(".change")).to_have_text("2 more")
    await expect(taken.locator(".change")).to_have_class(re.compile("change-better"))
    this_month, last_month = month_words(server)
    await expect(page.locator("#cycle-status")).to_contain_text(f"{this_month}: each figure with its change since {last_month}")
    # The chart of cases taken per person, drawn with the same figures.
    await expect(page.locator("#chart-cycle[data-drawn=true]")).to_be_visible()
    drawn = await page.evaluate("Chart.getChart(document.getElementById('chart-cycle')).data.datasets[0].data")
    assert drawn == [2], drawn
    await expect(table.get_by_role("rowheader", name="Everyone")).to_be_visible()
    async with page.expect_download() as info:
        await page.locator("#cycle-csv").click()
    download = await info.value
    text = Path(await download.path()).read_text()
    assert text.splitlines()[0].startswith("scope,account_id,username") and "alice_helper" in text
    await doc_shot(shot, page, "admin-cycle-report", top="#cycle-title")
    # A date range instead of a month: the period in words, not ISO dates; escalations stay monthly.
    today = server.clock.now().date()
    await page.fill("#report-from", today.replace(day=1).isoformat())
    await page.fill("#report-to", today.isoformat())
    await page.locator("#report-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#escalations-monthly")).to_be_visible()
    period = page.locator("#report-period")
    await expect(period).to_contain_text(", compared with ")
    await expect(period).to_contain_text(str(today.year))
    assert "-" not in (await period.text_content() or "").replace("–", ""), await period.text_content()
    await expect(taken.locator("strong")).to_have_text("2")
    # To before From: refused with a sentence.
    await page.fill("#report-to", (today.replace(day=1) - dt.timedelta(days=2)).isoformat())
    await page.locator("#report-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#cycle-status")).to_have_text("To must not be before From.")
    await page.fill("#report-from", "")
    await page.fill("#report-to", "")
    await page.locator("#report-form").get_by_role("button", name="Show").click()
    await expect(page.locator("#routes-table")).to_be_visible()

    # On a phone: the cards two by two, the charts as wide as the screen, wide tables scroll inside themselves.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_timeout(300)  # Chart.js resizes its canvas on the next frame
    await no_sideways_scroll(page, "admin Reports")
    chart = await page.locator("#chart-cycle").bounding_box()
    assert chart and chart["x"] >= 0 and chart["x"] + chart["width"] <= 390, chart
    await doc_shot(shot, page, "admin-reports-phone", top="#report-period")
    assert not pages.errors, pages.errors
