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
    await page.fill("#acc-roles", "trainee")
    await page.get_by_role("button", name="Create account").click()
    row = page.locator("#accounts-body tr").filter(has_text="frank_helper")
    await expect(row).to_contain_text("trainee")

    # Change roles through the dialog.
    await row.get_by_role("button", name=re.compile("Edit roles")).click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label(re.compile("^Roles")).fill("helper")
    await dialog.get_by_label(re.compile("^Teams")).fill("escalation-social")
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

    # A shift: the covered hours turn green, the rest stay gaps.
    await page.get_by_role("tab", name="Coverage").click()
    start = (dt.datetime.now() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    await page.fill("#shift-account", "frank_helper")
    await page.fill("#shift-start", start.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#shift-end", (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Add shift").click()
    if start.weekday() == 0:  # tomorrow is in next week's view
        await page.get_by_role("button", name="Next week").click()
    await expect(page.locator("#shifts-body")).to_contain_text("Frank")
    await expect(page.locator("#week td.covered")).to_have_count(3)
    await shot(page, "admin-coverage-shift")

    # The role change is in the audit log.
    await page.get_by_role("tab", name="Audit and erasure").click()
    await expect(page.locator("#role-audit")).to_contain_text("Frank")
    await expect(page.locator("#role-audit")).to_contain_text("grant")
    await shot(page, "admin-audit")
    assert not pages.errors, pages.errors
