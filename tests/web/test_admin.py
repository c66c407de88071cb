"""Admin pages: create an account, change its roles, add a canned response and a shift, see the audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect


async def test_admin_manages_accounts_canned_shifts(pages: Any, server: LiveServer, shot: Any) -> None:
    page = await pages.staff("dave_admin", ["admin"], path="/admin", on_duty=False)

    # Create an account.
    await page.fill("#acc-username", "frank_helper")
    await page.fill("#acc-display", "Frank")
    await page.fill("#acc-password", "a long enough password")
    await page.locator("#acc-roles").get_by_label("trainee", exact=True).check()
    await page.get_by_role("button", name="Create account").click()
    row = page.locator("#accounts-body tr").filter(has_text="frank_helper")
    await expect(row).to_contain_text("trainee")

    # Change roles through the dialog.
    await row.get_by_role("button", name=re.compile("Edit roles")).click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("trainee", exact=True).uncheck()
    await dialog.get_by_label("helper", exact=True).check()
    await dialog.get_by_label("escalation-social", exact=True).check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(row).to_contain_text("helper")
    await expect(row).to_contain_text("escalation-social")

    # A canned response.
    await page.get_by_role("tab", name="Canned responses").click()
    await page.fill("#canned-shortcut", "refund")
    await page.fill("#canned-text", "Refunds take 5 to 7 working days, {requester_name}.")
    await page.locator("#canned-form").get_by_role("button", name="Save").click()
    await expect(page.locator("#canned-body")).to_contain_text("Refunds take 5 to 7 working days")
    # ... edited in a dialog, and deleted only once confirmed.
    await page.get_by_role("button", name="Edit canned response refund").click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Text").fill("Refunds take 3 to 5 working days, {requester_name}.")
    await dialog.get_by_role("button", name="Save").click()
    await expect(page.locator("#canned-body")).to_contain_text("Refunds take 3 to 5 working days")
    await page.get_by_role("button", name="Delete canned response refund").click()
    await expect(page.locator("dialog[open]")).to_contain_text("cannot be undone")
    await page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    await expect(page.locator("#canned-body")).to_contain_text("Refunds take 3 to 5")
    await page.get_by_role("button", name="Delete canned response refund").click()
    await page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    await expect(page.locator("#canned-body")).not_to_contain_text("Refunds take")
    await expect(page.locator("#canned-status")).to_contain_text("Deleted ;refund")

    # A shift: the covered hours turn green, the rest stay gaps.
    await page.get_by_role("tab", name="Coverage").click()
    start = (dt.datetime.now() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    # Who works it is picked from the staff who keep shifts (helpers, trainees, monitors), not typed.
    picker = page.get_by_label("Staff member")
    await expect(picker.locator("option", has_text="Frank (frank_helper) · helper")).to_have_count(1)
    await expect(picker.locator("option", has_text="dave_admin")).to_have_count(0)  # admins keep no shifts
    await page.fill("#shift-start", start.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#shift-end", (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Add shift").click()
    await expect(page.locator("#coverage-status.error")).to_have_text("Choose who works this shift.")
    # An account gone since the list was drawn: a plain sentence, nothing stored, the list refreshed.
    await picker.evaluate("""s => { s.append(new Option('Ghost (ghost) · helper', '987654')); s.lastChild.dataset.name = 'Ghost'; }""")
    await picker.select_option(label="Ghost (ghost) · helper")
    await page.get_by_role("button", name="Add shift").click()
    await expect(page.locator("#coverage-status.error")).to_have_text("Ghost is no longer a staff account; the list has been refreshed.")
    await expect(picker.locator("option", has_text="Ghost")).to_have_count(0)
    await expect(page.locator("#shifts-body tr")).to_have_count(0)
    await picker.select_option(label="Frank (frank_helper) · helper")
    await page.fill("#shift-start", start.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#shift-end", (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Add shift").click()
    if start.weekday() == 0:  # tomorrow is in next week's view
        await page.get_by_role("button", name="Next week").click()
    await expect(page.locator("#shifts-body")).to_contain_text("Frank")
    await expect(page.locator("#week td.covered")).to_have_count(3)
    await shot(page, "admin-coverage-shift")
    # The admin changes Frank's shift (an hour longer), then removes it once confirmed.
    await page.locator("#shifts-body").get_by_role("button", name=re.compile("^Change Frank's shift")).click()
    dialog = page.locator("dialog[open]")
    await expect(dialog.get_by_label("Starts")).to_have_value(start.strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_label("Ends").fill((start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_role("button", name="Save change").click()
    await expect(dialog.locator(".error")).to_have_text("The end must be after the start.")  # nothing stored
    await dialog.get_by_label("Ends").fill((start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_role("button", name="Save change").click()
    await expect(dialog).to_have_count(0)
    await expect(page.locator("#week td.covered")).to_have_count(4)
    await page.locator("#shifts-body").get_by_role("button", name=re.compile("^Remove Frank's shift")).click()
    await page.locator("dialog[open]").get_by_role("button", name="Cancel").click()
    await expect(page.locator("#week td.covered")).to_have_count(4)
    await page.locator("#shifts-body").get_by_role("button", name=re.compile("^Remove Frank's shift")).click()
    await page.locator("dialog[open]").get_by_role("button", name="Remove").click()
    await expect(page.locator("#shifts-body tr")).to_have_count(0)

    # The role change is in the audit log.
    await page.get_by_role("tab", name="Audit and erasure").click()
    await expect(page.locator("#role-audit")).to_contain_text("Frank")
    await expect(page.locator("#role-audit")).to_contain_text("grant")
    await shot(page, "admin-audit")
    assert not pages.errors, pages.errors
