"""Uploads over REST: stored sealed, announced in the case room, downloaded with a sensitive message's
visibility, limits and bad files refused with clear errors, purged with the uploads class."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import aiohttp
import pytest

from retention.job import run_once
from tests.retention.helpers import claimed_case, shadow
from tests.support import LiveServer, make_config

LOG = b"2026-01-05 09:00:01 ERROR login failed for trader 77123 token=abcdefabcdef\n" * 20


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00" * 1
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def upload(server: LiveServer, token: str | None, case_id: int, data: bytes, name: str = "app.log",
                 content_type: str | None = "text/plain", sensitive: str | None = None,
                 extra: dict[str, str] | None = None) -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename=name, content_type=content_type or "application/octet-stream")
    if sensitive is not None:
        form.add_field("sensitive", sensitive)
    for k, v in (extra or {}).items():
        form.add_field(k, v)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with server.http.post(f"{server.url}/api/cases/{case_id}/attachments", data=form, headers=headers) as r:
        return r.status, await r.json()


async def download(server: LiveServer, token: str, attachment_id: int) -> tuple[int, bytes, Any]:
    async with server.http.get(f"{server.url}/api/attachments/{attachment_id}",
                               headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.read(), r.headers


async def test_upload_is_sensitive_sealed_and_announced(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    status, body = await upload(server, rita.token, case["id"], LOG, "trader-77123.log")
    assert status == 200, body
    att = body["attachment"]
    assert {k: att[k] for k in ("name", "size", "content_type", "sensitive")} == {
        "name": "trader-77123.log", "size": len(LOG), "content_type": "text/plain", "sensitive": True}
    assert isinstance(att["id"], int)

    live = await alice.wait_for("message", lambda m: (m.get("meta") or {}).get("attachment", {}).get("id") == att["id"])
    assert live["body"] == "trader-77123.log" and live["sensitive"] is True and live["sender"]["id"] == rita.account["id"]  # type: ignore[attr-defined]
    assert live["meta"]["attachment"] == {"id": att["id"], "size": len(LOG), "content_type": "text/plain",
                                          "sensitive": True}
    hidden = await bob.wait_for("message", lambda m: m["id"] == live["id"])
    assert hidden["body"] is None and hidden["meta"]["attachment"]["id"] == att["id"], "no file name for them"

    assert server.deps is not None
    from sqlalchemy import select

    from server.storage.models.retention import Attachment

    async with server.deps.db.read() as s:
        row = (await s.execute(select(Attachment).where(Attachment.id == att["id"]))).scalar_one()
    assert row.content_sealed and LOG[:40] not in row.content_sealed and b"trader-77123" not in row.name_sealed  # type: ignore[operator]
    assert row.message_id == live["id"]


async def test_download_visibility(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    dan = await server.staff("dan_helper", ["helper"], on_duty=True)
    other = await server.requester("Olga")
    status, body = await upload(server, rita.token, case["id"], png_bytes(), "screen.png", "image/png")
    assert status == 200, body
    att_id = body["attachment"]["id"]

    for c in (rita, alice, carol):
        status, data, headers = await download(server, c.token, att_id)
        assert status == 200 and data == png_bytes(), c.name
        assert headers["Content-Type"].startswith("image/png")
        assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"].startswith("attachment;") and "screen.png" in headers["Content-Disposition"]
    status, _, _ = await download(server, bob.token, att_id)
    assert status == 403, "a shadowing trainee sees that a file exists, not the file"
    for c in (dan, other):
        status, _, _ = await download(server, c.token, att_id)
        assert status == 404, c.name
    status, _, _ = await download(server, alice.token, 999999)
    assert status == 404
    async with server.http.get(f"{server.url}/api/attachments/{att_id}") as r:
        assert r.status == 401

    # a file the uploader marks not sensitive is visible to everyone in the room
    status, body = await upload(server, alice.token, case["id"], LOG, "howto.txt", sensitive="false")
    assert status == 200 and body["attachment"]["sensitive"] is False
    status, data, _ = await download(server, bob.token, body["attachment"]["id"])
    assert status == 200 and data == LOG


@pytest.mark.parametrize("data,name,ctype,fragment", [
    (b"plain words, not an image", "x.png", "image/png", "says it is image/png but its contents are text"),
    (png_bytes(), "x.log", "text/plain", "says it is text/plain but its contents look like image/png"),
    (b"%PDF-1.7\n" + bytes(range(256)), "x.jpg", "image/jpeg", "says it is image/jpeg but its contents look like application/pdf"),
    (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, "tool", None, "do not look like a file type we accept"),
    (b"MZ\x90\x00" + bytes(range(256)) * 4, "setup.exe", "application/x-msdownload", "not accepted"),
    (b"<html><script>alert(1)</script></html>", "page.html", "text/html", "files of type text/html are not accepted"),
    (b"", "empty.log", "text/plain", "the file is empty"),
])
async def test_bad_files_refused_clearly(server: LiveServer, data: bytes, name: str, ctype: str | None,
                                         fragment: str) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    status, body = await upload(server, rita.token, case["id"], data, name, ctype)
    assert status == 400 and body["error"]["code"] == "invalid"
    assert fragment in body["error"]["message"], body
    history = (await alice.ok("room.history", {"room_id": room_id}))["messages"]
    assert not [m for m in history if (m.get("meta") or {}).get("attachment")], "nothing half-done"


async def test_declared_type_may_be_generic(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    status, body = await upload(server, rita.token, case["id"], png_bytes(), "blob", None)
    assert status == 200 and body["attachment"]["content_type"] == "image/png"
    status, body = await upload(server, rita.token, case["id"], b"PK\x05\x06" + b"\x00" * 18, "logs.zip",
                                "application/x-zip-compressed")
    assert status == 200 and body["attachment"]["content_type"] == "application/zip"


async def test_request_shape_errors(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    headers = {"Authorization": f"Bearer {rita.token}"}
    async with server.http.post(f"{server.url}/api/cases/{case['id']}/attachments", json={"file": "x"},
                                headers=headers) as r:
        assert r.status == 400 and "multipart/form-data" in (await r.json())["error"]["message"]
    form = aiohttp.FormData()
    form.add_field("other", "x")
    async with server.http.post(f"{server.url}/api/cases/{case['id']}/attachments", data=form, headers=headers) as r:
        assert r.status == 400 and (await r.json())["error"]["code"] == "invalid"
    status, body = await upload(server, rita.token, case["id"], LOG, sensitive="maybe")
    assert status == 400 and "'sensitive' must be true or false" in body["error"]["message"]
    status, body = await upload(server, rita.token, 424242, LOG)
    assert status == 404
    status, body = await upload(server, None, case["id"], LOG)
    assert status == 401


async def test_who_may_upload(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    other = await server.requester("Olga")
    status, body = await upload(server, other.token, case["id"], LOG)
    assert status == 404
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    bob = await shadow(server, bob, case["id"], room_id)
    status, body = await upload(server, bob.token, case["id"], LOG)
    assert status == 403 and body["error"]["code"] == "forbidden"
    await alice.ok("case.resolve", {"case_id": case["id"]})
    status, body = await upload(server, rita.token, case["id"], LOG)
    assert status == 403 and "closed" in body["error"]["message"]


async def test_size_limit_from_config(start_server: Any, database_url: str) -> None:
    server = await start_server(make_config(database_url, {"retention": {"uploads": {"max_size": "1KiB"}}}))
    rita, alice, case, room_id = await claimed_case(server)
    status, body = await upload(server, rita.token, case["id"], b"a" * 1024)
    assert status == 200, body
    status, body = await upload(server, rita.token, case["id"], b"a" * 1025)
    assert status == 413 and body["error"]["code"] == "invalid"
    assert "larger than the 1024 byte limit" in body["error"]["message"]
    status, body = await upload(server, rita.token, case["id"], b"a" * 5_000_000)
    assert status == 413


async def test_uploads_purged_with_their_class(start_server: Any, database_url: str) -> None:
    server = await start_server(make_config(database_url, {"retention": {"periods": {
        "uploads": "10d", "sensitive_messages": "30d", "guest_transcripts": "30d"}}}))
    rita, alice, case, room_id = await claimed_case(server)
    status, body = await upload(server, rita.token, case["id"], LOG, "trace.log")
    att_id = body["attachment"]["id"]
    await alice.ok("case.resolve", {"case_id": case["id"]})
    server.clock.advance(days=10)
    result = await run_once(server.deps, server.clock.now())
    [report] = result.cases
    assert report.uploads == 1 and report.sensitive_messages == 0 and not report.key_destroyed, \
        "the announcing message (a sensitive message) keeps the key alive until its own period"
    status, data, _ = await download(server, (await server.login("alice_helper"))["token"], att_id)
    assert status == 404 and b"retention" in data
    server.clock.advance(days=20)
    [report] = (await run_once(server.deps, server.clock.now())).cases
    assert report.sensitive_messages == 1 and report.key_destroyed
