"""The socket's own life: a refused connect answers {code, message}; a client that emits the reserved
names `connect` or `disconnect` as events changes nothing (issue 13, defects 4 and 13)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import socketio
from sqlalchemy import func, select

from server.storage.models import Presence
from tests.support import LiveServer, RawSocket


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # A small bucket that never refills on the FakeClock: a reset would show as accepted events.
    return {"limits": {"events_burst": 3, "events_per_second": 1}}


async def test_a_refused_connect_carries_code_and_message(server: LiveServer) -> None:
    client = socketio.AsyncClient(reconnection=False)
    seen: list[Any] = []

    @client.on("connect_error")
    async def on_error(data: Any) -> None:
        seen.append(data)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.url, auth={"token": "not-a-token"}, transports=["websocket"], wait_timeout=5)
    assert seen and seen[0]["code"] == "unauthenticated" and isinstance(seen[0]["message"], str)
    assert set(seen[0]) == {"code", "message"}


async def _presence_rows(server: LiveServer, account_id: int) -> int:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(Presence)
                                    .where(Presence.account_id == account_id))).scalar_one())


async def test_emitting_reserved_names_changes_nothing(server: LiveServer) -> None:
    session = await server.guest("Rita")
    account_id = session["account"]["id"]
    ws_url = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with server.http.ws_connect(ws_url) as ws:
        raw = RawSocket(ws)
        assert (await raw.frame()).startswith("0")  # Engine.IO open
        await ws.send_str("40" + json.dumps({"token": session["token"]}))
        assert (await raw.frame()).startswith("40")  # Socket.IO connected
        assert await _presence_rows(server, account_id) == 1

        assert (await raw.emit("me", {}))["ok"] is True  # 1 of the burst of 3
        for name in ("disconnect", "connect", "connect_error"):
            answer = await raw.emit(name, {"token": session["token"]})
            assert answer["ok"] is False and answer["error"]["code"] == "invalid", answer
        assert await _presence_rows(server, account_id) == 1, "presence untouched"
        assert (await raw.emit("me", {}))["ok"] is True
        # Two tokens spent; had the fake 'disconnect' reset the bucket, three more would pass.
        codes = [(await raw.emit("me", {})).get("error", {}).get("code") for _ in range(3)]
        assert codes.count("rate_limited") >= 2, codes
        assert (await raw.emit("me", {}))["error"]["code"] == "rate_limited"
