"""HTTP answers (issue 13, defects 14 and 15): only the embeddable widget page may be framed; every answer,
404s included, carries a CSP and nosniff; a CR/LF in an upload's filename is `invalid` (400), not 503;
the SQLite database file is created private (0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.retention.helpers import claimed_case
from tests.support import LiveServer


@pytest.mark.parametrize("path", ["/admin", "/console", "/monitor", "/api/health", "/nope", "/api/nope",
                                  "/static/nope.js"])
async def test_staff_pages_and_404s_refuse_framing(server: LiveServer, path: str) -> None:
    async with server.http.get(server.url + path) as r:
        csp = r.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, (path, r.status, csp)
        assert r.headers.get("X-Frame-Options") == "DENY"
        assert r.headers.get("X-Content-Type-Options") == "nosniff"


async def test_the_widget_page_stays_embeddable(server: LiveServer) -> None:
    async with server.http.get(server.url + "/") as r:
        assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in r.headers


@pytest.mark.parametrize("name", ["evil\r.txt", "evil\n.txt", "a\r\nContent-Type: text/html\r\n\r\n.txt"])
async def test_a_cr_or_lf_in_an_upload_filename_is_invalid(server: LiveServer, name: str) -> None:
    _, alice, case, _ = await claimed_case(server)
    boundary = "XyZzY"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n").encode()
    async with server.http.post(f"{server.url}/api/cases/{case['id']}/attachments", data=body,
                                headers={"Authorization": f"Bearer {alice.token}",
                                         "Content-Type": f"multipart/form-data; boundary={boundary}"}) as r:
        answer = await r.json()
        assert r.status == 400, answer
        assert answer["error"]["code"] == "invalid"


async def test_the_sqlite_database_is_created_private(server: LiveServer, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = Path(database_url.split("///", 1)[1])
    for f in [path, Path(f"{path}-wal"), Path(f"{path}-shm")]:
        if f.exists():
            assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    assert path.exists()
