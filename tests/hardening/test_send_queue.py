"""A client that reads nothing cannot grow server memory (issue 13, defect 7): each socket's send queue
is capped (server.send_queue_max packets); past the cap the server drops the backlog and disconnects
that socket. A client that reads keeps its connection through the same traffic."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
import pytest

from server.notify import account_room
from tests.support import LiveServer

CAP = 20


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"server": {"send_queue_max": CAP}}


def _tiny_buffer_socket(addr_info: Any) -> socket.socket:
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family=family, type=type_, proto=proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


async def test_a_client_that_never_reads_is_disconnected_and_its_queue_stays_bounded(server: LiveServer) -> None:
    assert server.deps is not None
    rita = await server.guest("Rita")
    account_id = rita["account"]["id"]
    reader = await server.staff("alice_helper", ["helper"])
    alice_id = reader.account["id"]  # type: ignore[attr-defined]
    ws_url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(socket_factory=_tiny_buffer_socket)) as http:
        ws = await http.ws_connect(ws_url, max_msg_size=0)
        assert (await ws.receive(timeout=5)).data.startswith("0")
        await ws.send_str("40" + json.dumps({"token": rita["token"]}))
        assert (await ws.receive(timeout=5)).data.startswith("40")
        assert server.deps.connections.sids_of(account_id)
        # From here on the client reads nothing: the server keeps sending.
        sio = getattr(server.deps.notifier, "sio")  # the app's python-socketio server
        eio = sio.eio
        big = "x" * 65536
        longest = 0
        for i in range(400):
            await sio.emit("bulk", {"i": i, "pad": big}, to=account_room(account_id))
            if i % 10 == 0:
                await asyncio.sleep(0.01)  # let the writer run, as between real events
            longest = max([longest, *(s.queue.qsize() for s in eio.sockets.values())])
            if not server.deps.connections.sids_of(account_id):
                break
        for _ in range(100):
            if not server.deps.connections.sids_of(account_id):
                break
            await asyncio.sleep(0.05)
        assert not server.deps.connections.sids_of(account_id), "the non-reading socket is still connected"
        assert longest <= CAP + 1
        await ws.close()
    # A reading client gets the same kind of traffic, paced like real events, and stays connected.
    for i in range(40):
        await sio.emit("bulk", {"i": i, "pad": "y" * 1024}, to=account_room(alice_id))
        await asyncio.sleep(0.005)
    await reader.wait_for("bulk", lambda d: d["i"] == 39)
    assert reader.sio.connected and (await reader.call("me"))["ok"]
