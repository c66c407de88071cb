"""The requester uploads a log privately and downloads the transcript when the case is done."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import LiveServer

expect = pytest.importorskip("playwright.async_api").expect

LOG = b"2026-01-05 09:00:01 ERROR disk full on /var\n"


async def test_private_upload_and_transcript(pages: Any, server: LiveServer, shot: Any) -> None:
    helper = await pages.staff("alice_helper", ["helper"])
    rita = await pages.requester("Rita", "The backup job fails every night.")
    await helper.locator("#queue li").first.get_by_role("button", name="Claim").click()
    pane = helper.locator(".pane-case").first
    await expect(pane.locator(".chip-active")).to_be_visible()

    # Upload privately: it shows as a private message with a download button on both sides.
    await rita.get_by_text("Send a file privately").click()
    await rita.set_input_files("#upload-file", files=[{"name": "backup.log", "mimeType": "text/plain", "buffer": LOG}])
    await rita.click("#upload-submit")
    await expect(rita.locator("#upload-status")).to_contain_text("Sent privately: backup.log")
    mine = rita.locator(".msg-sensitive").filter(has_text="backup.log")
    await expect(mine.locator(".badge-private")).to_be_visible()
    theirs = pane.locator(".msg-sensitive").filter(has_text="backup.log")
    await expect(theirs).to_be_visible()
    async with helper.expect_download() as info:
        await theirs.get_by_role("button", name=re.compile("^Download backup.log")).click()
    download = await info.value
    assert (await download.path()).read_bytes() == LOG  # type: ignore[union-attr]
    await shot(rita, "upload-requester")

    # Resolve; the requester downloads the transcript.
    await pane.get_by_role("button", name=re.compile("^Resolve")).click()
    dialog = helper.locator("dialog[open]")
    await dialog.get_by_label(re.compile("^Summary")).fill("Disk was full; cleaned up.")
    await dialog.get_by_role("button", name="Resolve").click()
    await expect(pane.locator(".chip-resolved")).to_be_visible()
    await expect(rita.locator("#case-status")).to_contain_text("closed")
    await expect(rita.locator("#body")).to_be_disabled()
    async with rita.expect_download() as info:
        await rita.click("#transcript")
    download = await info.value
    text = (await download.path()).read_text()  # type: ignore[union-attr]
    assert "The backup job fails every night." in text
    await shot(rita, "transcript-requester")
    assert not pages.errors, pages.errors
