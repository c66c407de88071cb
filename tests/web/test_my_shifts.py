"""My shifts, from the console: a helper adds, changes and removes their own shift in the page; a
colleague's shift is neither listed nor changeable (the server refuses the browser's own request too)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from server.clock import iso
from tests.helpdesk.desk import request
from tests.support import LiveServer
from tests.web.helpers import doc_shot

expect = pytest.importorskip("playwright.async_api").expect


def local_value(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


async def test_helper_edits_own_shifts_and_not_anothers(pages: Any, server: LiveServer, shot: Any) -> None:
    bob = await server.staff("bob_trainee", ["trainee"])
    start = server.clock.now() + dt.timedelta(days=1)
    status, body, _ = await request(server, "POST", "/api/me/shifts", bob.token,
                                    {"starts_at": iso(start), "ends_at": iso(start + dt.timedelta(hours=2)),
                                     "note": "Bob's evening"})
    assert status == 201, body
    bobs = body["shift"]

    page = await pages.staff("alice_helper", ["helper"], on_duty=False)
    await page.get_by_role("button", name="My shifts").click()
    dialog = page.get_by_role("dialog", name="My shifts")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#my-shifts-empty")).to_be_visible()  # Bob's shift is not hers to see
    await expect(dialog.locator("#my-next-shift")).to_have_text("No shift in the next two weeks.")
    await expect(dialog).not_to_contain_text("Bob's evening")

    # Bad input: the end before the start is refused in a plain sentence, nothing stored.
    day = (server.clock.now() + dt.timedelta(days=2)).date()
    await dialog.get_by_label("Starts").fill(local_value(day, 17))
    await dialog.get_by_label("Ends").fill(local_value(day, 9))
    await dialog.get_by_role("button", name="Add shift").click()
    await expect(dialog.locator("#my-shifts-error")).to_have_text("The end must be after the start.")

    # Add one, every week, with a note.
    await dialog.get_by_label("Starts").fill(local_value(day, 9))
    await dialog.get_by_label("Ends").fill(local_value(day, 17))
    await dialog.get_by_label("Every week").check()
    await dialog.get_by_label("Note (optional)").fill("Early desk")
    await dialog.get_by_role("button", name="Add shift").click()
    rows = dialog.locator(".shift-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(re.compile(r"^Every \w+day"))
    await expect(rows.first).to_contain_text("Early desk")
    # The next one, in words: "Next shift: <day, times> (in 2 days)" (or "(tomorrow)" late in the evening).
    await expect(dialog.locator("#my-next-shift")).to_have_text(re.compile(r"^Next shift: .+ \((in 2 days|tomorrow)\)\.$"))
    await expect(dialog.locator("#my-shifts-error")).to_be_hidden()
    expected_start = await page.evaluate(f"new Date('{local_value(day, 9)}').toISOString()")
    status, mine, _ = await request(server, "GET", "/api/me/shifts", await token_of(page))
    assert status == 200 and len(mine["shifts"]) == 1
    stored = mine["shifts"][0]
    assert stored["weekly"] is True and stored["note"] == "Early desk"
    assert stored["starts_at"].replace(".000", "") == expected_start.replace(".000", "")
    await doc_shot(shot, page, "my-shifts")

    # Change it: an hour longer, no longer weekly.
    await rows.first.get_by_role("button", name=re.compile("^Change shift")).click()
    await expect(dialog.get_by_label("Starts")).to_have_value(local_value(day, 9))
    await dialog.get_by_label("Ends").fill(local_value(day, 18))
    await dialog.get_by_label("Every week").uncheck()
    await dialog.get_by_role("button", name="Save change").click()
    await expect(dialog.locator("#my-shifts-status")).to_have_text("Shift changed.")
    await expect(rows.first).not_to_contain_text("Every")
    status, mine, _ = await request(server, "GET", "/api/me/shifts", await token_of(page))
    assert mine["shifts"][0]["weekly"] is False and mine["shifts"][0]["id"] == stored["id"]

    # The page's own token cannot change Bob's shift: the server refuses over real HTTP.
    refused = await page.evaluate("""async (id) => {
        const token = JSON.parse(localStorage.getItem('livehelp.staff')).token;
        const r = await fetch(`/api/shifts/${id}`, {method: 'PATCH', headers: {'Content-Type': 'application/json',
            Authorization: `Bearer ${token}`}, body: JSON.stringify({note: 'mine now'})});
        return [r.status, (await r.json()).error.message];
    }""", bobs["id"])
    assert refused == [403, "you can change only your own shifts"]
    status, body, _ = await request(server, "GET", "/api/me/shifts", bob.token)
    assert body["shifts"][0]["note"] == "Bob's evening"

    # Remove asks first; Keep keeps it, Yes removes it.
    await rows.first.get_by_role("button", name=re.compile("^Remove shift")).click()
    await expect(rows.first).to_contain_text("Remove this shift?")
    await rows.first.get_by_role("button", name="Keep").click()
    await expect(rows).to_have_count(1)
    await rows.first.get_by_role("button", name=re.compile("^Remove shift")).click()
    await rows.first.get_by_role("button", name="Yes, remove").click()
    await expect(rows).to_have_count(0)
    await expect(dialog.locator("#my-shifts-empty")).to_be_visible()
    status, mine, _ = await request(server, "GET", "/api/me/shifts", await token_of(page))
    assert mine["shifts"] == []
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_have_count(0)
    assert not pages.errors, pages.errors


async def test_my_shifts_on_a_phone(pages: Any, server: LiveServer, shot: Any) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    start = server.clock.now() + dt.timedelta(days=1)
    await request(server, "POST", "/api/me/shifts", alice.token,
                  {"starts_at": iso(start), "ends_at": iso(start + dt.timedelta(hours=8)), "weekly": True,
                   "note": "Weekday mornings"})
    page = await pages.new("/console", width=390, height=844)
    from tests.web.conftest import login
    await login(page, "alice_helper")
    await page.get_by_role("button", name="My shifts").click()
    dialog = page.get_by_role("dialog", name="My shifts")
    await expect(dialog.locator(".shift-row")).to_have_count(1)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    box = await dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    await doc_shot(shot, page, "my-shifts-phone")
    assert not pages.errors, pages.errors


async def token_of(page: Any) -> str:
    return str(await page.evaluate("JSON.parse(localStorage.getItem('livehelp.staff')).token"))
