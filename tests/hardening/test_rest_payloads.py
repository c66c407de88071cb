"""REST bodies and queries are validated by the declared models (issue 11 point 6, issue 13 defects 10-11):
unknown keys, ids past a BIGINT, lone surrogates, JSON nested 5,000 deep and bodies over 1 MB each answer
`invalid` (400, or 413 for the size) naming what is wrong, never 503."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.config import ConfigError
from tests.support import LiveServer, make_config


async def raw_post(server: LiveServer, path: str, data: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    async with server.http.post(server.url + path, data=io.BytesIO(data.encode("utf-8", "surrogatepass")),
                                headers=headers) as r:
        return r.status, await r.json()


async def test_bad_bodies_answer_invalid_naming_the_field(server: LiveServer) -> None:
    cases: list[tuple[str, int, str]] = [
        ('{"display_name": "Rita", "admin": true}', 400, "'admin' is not a known field"),
        ('{"display_name": 5}', 400, "'display_name' must be text"),
        ('{"display_name": "a\\ud800"}', 400, "'display_name'"),
        ('[1, 2]', 400, "JSON object"),
        ("{" * 5000 + "}" * 5000, 400, "JSON"),
        ('{"display_name": "' + "x" * 1_100_000 + '"}', 413, "larger than 1,000,000 bytes"),
        ("not json", 400, "JSON"),
    ]
    for data, status, fragment in cases:
        got, body = await raw_post(server, "/api/guest", data)
        assert got == status and body["error"]["code"] == "invalid", (data[:40], got, body)
        assert fragment in body["error"]["message"] and "\n" not in body["error"]["message"], (data[:40], body)
    status, body = await server.post("/api/guest", {"display_name": "Rita"})
    assert status == 200, "usable after"


async def test_bad_paths_and_queries_answer_invalid(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper", "admin"])
    for path, fragment in [
        (f"/api/cases/{2**63}", "'id' must be at most"),
        ("/api/cases/abc", "'id' must be a whole number"),
        ("/api/rooms/1/messages?limit=0", "'limit' must be at least 1"),
        ("/api/rooms/1/messages?after=-1", "'after' must be at least 0"),
        ("/api/rooms/1/messages?since=3", "'since' is not a known field"),
        ("/api/admin/coverage?days=99", "'days' must be at most 31"),
        ("/api/admin/shifts?from=yesterday", "'from' must be an ISO-8601 time"),
        ("/api/admin/audit?limit=x", "'limit' must be a whole number"),
    ]:
        status, body = await server.get(path, alice.token)
        assert status == 400 and body["error"]["code"] == "invalid", (path, body)
        assert body["error"]["message"].startswith(fragment), (path, body)
    status, body = await server.get("/api/rooms/1/messages?after=&limit=", alice.token)
    assert status in (403, 404), "an empty value is a missing one"


SMALL_BODIES = {"limits": {"http_body_max": "10KiB"}}


@pytest.mark.parametrize("config_overrides", [SMALL_BODIES])
async def test_the_json_body_limit_is_configurable_declared_or_chunked(server: LiveServer) -> None:
    """limits.http_body_max: a declared length over it is refused unread; a chunked body (no length) stops
    at the same size (aiohttp's client_max_size); both answer 413 `invalid`; a body under it is served."""
    big = '{"display_name": "' + "x" * 20_000 + '"}'
    status, body = await raw_post(server, "/api/guest", big)
    assert status == 413 and body["error"]["code"] == "invalid"
    assert "larger than 10,240 bytes" in body["error"]["message"]

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096].encode()

    async with server.http.post(server.url + "/api/guest", data=chunks(),
                                headers={"Content-Type": "application/json"}) as r:
        assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert r.status == 413 and (await r.json())["error"]["code"] == "invalid"
    status, body = await server.post("/api/guest", {"display_name": "x" * 60})
    assert status == 200, body


def test_size_limits_read_sizes_and_refuse_too_small_ones(database_url: str) -> None:
    cfg = make_config(database_url, {"limits": {"http_body_max": "2MB", "socket_frame_max": "8MiB"}})
    assert (cfg.limits.http_body_max, cfg.limits.socket_frame_max) == (2_000_000, 8 * 1024**2)
    with pytest.raises(ConfigError, match=r"limits\.socket_frame_max"):
        make_config(database_url, {"limits": {"socket_frame_max": "500KB"}})
    with pytest.raises(ConfigError, match=r"limits\.http_body_max"):
        make_config(database_url, {"limits": {"http_body_max": "lots"}})
