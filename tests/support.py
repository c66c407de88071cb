"""Test support: a real server on a free port, real Socket.IO clients, accounts by role.

Tests never mock our own server: they start it (in-process on a real socket so the FakeClock can be
advanced, or as a subprocess when a restart matters) and talk to it over HTTP and Socket.IO.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
import yaml

from server.actions import accounts
from server.clock import FakeClock
from server.config import Config, config_from_mapping, merge
from server.deps import Deps

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
_ids = itertools.count(1)
# Cheapest argon2id: tests create many accounts; tests/security measure the real cost where it matters.
CHEAP_HASHES = {"argon2_time_cost": 1, "argon2_memory_kib": 64}
# Tests make many guests and cases from one address and account; tests/security set the real limits.
ROOMY_LIMITS = {"guests_per_ip": 100_000, "help_requests_per_account": 100_000, "open_cases_per_requester": 1000,
                "account_messages_per_second": 100_000, "account_messages_burst": 100_000}


def cheap_config_text(text: str) -> str:
    """The shipped config.yaml's text with CHEAP_HASHES and ROOMY_LIMITS (for subprocess servers, CLIs)."""
    for key, value in {**CHEAP_HASHES, **ROOMY_LIMITS}.items():
        text, n = re.subn(rf"^(\s+{key}): [^#\n]*?( *#|$)", rf"\g<1>: {value}\g<2>", text, count=1, flags=re.M)
        assert n == 1, key
    return text


def base_config_mapping() -> dict[str, Any]:
    raw = yaml.safe_load((REPO / "config.yaml").read_text()) or {}
    # Background jobs stay on: an in-process server runs on a FakeClock, whose scheduler runs nothing by
    # itself; a test moves time with `await server.deps.scheduler.advance(seconds)` and the due jobs run.
    return merge(raw, {"auth": CHEAP_HASHES, "server": {"ping_interval": 5, "ping_timeout": 5},
                       "logging": {"level": "WARNING"}, "limits": ROOMY_LIMITS})


def make_config(database_url: str, overrides: dict[str, Any] | None = None) -> Config:
    raw = merge(base_config_mapping(), overrides or {})
    raw = merge(raw, {"database": {"url": database_url}})
    if not database_url.startswith("sqlite") and not (raw.get("retention") or {}).get("master_key_file"):
        # No key file is made beside a PostgreSQL database: the tests of one run share a master key.
        raw = merge(raw, {"retention": {"master_key_file": master_key_file_for_tests()}})
    return config_from_mapping(raw, str(REPO))


_MASTER_KEY_FILE: list[str] = []


def master_key_file_for_tests() -> str:
    """A master key file for this test process (retention: the key never lives in the database)."""
    if not _MASTER_KEY_FILE:
        import base64
        import tempfile

        fd, path = tempfile.mkstemp(prefix="livehelp-test-", suffix=".key")
        os.write(fd, base64.b64encode(os.urandom(32)) + b"\n")
        os.close(fd)
        _MASTER_KEY_FILE.append(path)
    return _MASTER_KEY_FILE[0]


def master_key_env(database_url: str) -> dict[str, str]:
    """Environment for subprocess servers and commands: PostgreSQL has no key file beside the database,
    so they get the tests' master key (as the in-process servers do through make_config)."""
    if database_url.startswith("sqlite") or os.environ.get("LIVEHELP_MASTER_KEY"):
        return {}
    return {"LIVEHELP_MASTER_KEY": Path(master_key_file_for_tests()).read_text().strip()}


class Client:
    """A real python-socketio client that records every server event it receives."""

    def __init__(self, base_url: str, token: str, name: str = "") -> None:
        self.base_url = base_url
        self.token = token
        self.name = name
        self.sio = socketio.AsyncClient(reconnection=False, request_timeout=10)
        self.events: dict[str, list[Any]] = defaultdict(list)
        self._changed = asyncio.Event()

        @self.sio.on("*")
        async def any_event(event: str, data: Any = None) -> None:
            self.events[event].append(data)
            self._changed.set()

    async def connect(self) -> "Client":
        await self.sio.connect(self.base_url, auth={"token": self.token}, transports=["websocket"],
                               wait_timeout=10)
        return self

    async def call(self, event: str, payload: Any = None, timeout: float = 10) -> dict[str, Any]:
        result = await self.sio.call(event, payload if payload is not None else {}, timeout=timeout)
        return result  # type: ignore[no-any-return]

    async def ok(self, event: str, payload: Any = None) -> dict[str, Any]:
        """Call and assert success; returns the answer."""
        answer = await self.call(event, payload)
        assert answer.get("ok") is True, f"{self.name}: {event} {payload!r} -> {answer!r}"
        return answer

    async def error(self, event: str, payload: Any = None) -> str:
        """Call, assert failure, return the error code."""
        answer = await self.call(event, payload)
        assert answer.get("ok") is False, f"{self.name}: {event} {payload!r} unexpectedly succeeded: {answer!r}"
        return answer["error"]["code"]  # type: ignore[no-any-return]

    async def wait_for(self, event: str, pred: Callable[[Any], bool] = lambda _: True, timeout: float = 5) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        seen = 0
        while True:
            items = self.events[event]
            for item in items[seen:]:
                if pred(item):
                    return item
            seen = len(items)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: no {event!r} matching within {timeout}s; got {items!r}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def received(self, event: str, pred: Callable[[Any], bool] = lambda _: True) -> list[Any]:
        return [e for e in self.events[event] if pred(e)]

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the server time to deliver anything still in flight (used before asserting absence)."""
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


@dataclass
class LiveServer:
    url: str
    deps: Deps | None
    clock: FakeClock | None
    http: aiohttp.ClientSession
    clients: list[Client] = field(default_factory=list)

    async def create_account(self, username: str | None = None, roles: list[str] | tuple[str, ...] = ("helper",),
                             teams: list[str] | tuple[str, ...] = (), display_name: str | None = None) -> dict[str, Any]:
        assert self.deps is not None, "in-process server only"
        username = username or f"user{next(_ids)}"
        return await accounts.create_account(self.deps, username, PASSWORD, roles=list(roles), teams=list(teams),
                                             display_name=display_name)

    async def post(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(self.url + path, json=body, headers=headers) as r:
            return r.status, await r.json()

    async def put(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.put(self.url + path, json=body, headers=headers) as r:
            return r.status, await r.json()

    async def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.get(self.url + path, headers=headers) as r:
            ctype = r.headers.get("Content-Type", "")
            return r.status, (await r.json() if "json" in ctype else await r.text())

    async def login(self, username: str) -> dict[str, Any]:
        status, body = await self.post("/api/session", {"username": username, "password": PASSWORD})
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    async def guest(self, name: str = "Rita") -> dict[str, Any]:
        status, body = await self.post("/api/guest", {"display_name": name})
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    async def client(self, token: str, name: str = "") -> Client:
        c = Client(self.url, token, name)
        await c.connect()
        self.clients.append(c)
        return c

    async def staff(self, name: str, roles: list[str] | tuple[str, ...], teams: list[str] | tuple[str, ...] = (),
                    on_duty: bool = False) -> Client:
        """Create an account, log in, connect; optionally go on duty (duty.set)."""
        await self.create_account(name, roles, teams, display_name=name.split("_")[0].title())
        session = await self.login(name)
        c = await self.client(session["token"], name)
        c.account = session["account"]  # type: ignore[attr-defined]
        if on_duty:
            await c.ok("duty.set", {"on_duty": True})
        return c

    async def requester(self, name: str = "Rita") -> Client:
        session = await self.guest(name)
        c = await self.client(session["token"], name)
        c.account = session["account"]  # type: ignore[attr-defined]
        return c

    async def close_clients(self) -> None:
        for c in self.clients:
            await c.close()
        self.clients.clear()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def test_database_url() -> str | None:
    return os.environ.get("LIVEHELP_TEST_DATABASE_URL") or None


class RawSocket:
    """Engine.IO v4 / Socket.IO v5 frames over a websocket, for what the python client will not send:
    reserved event names, JSON nested deeper than its encoder goes, frames of any size."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    @classmethod
    async def open(cls, server: LiveServer, token: str) -> RawSocket:
        url = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        raw = cls(await server.http.ws_connect(url, max_msg_size=0))
        assert (await raw.frame()).startswith("0")  # Engine.IO open
        await raw.ws.send_str("40" + json.dumps({"token": token}))
        assert (await raw.frame()).startswith("40")  # Socket.IO connected
        return raw

    async def frame(self) -> str:
        while True:
            msg = await self.ws.receive(timeout=15)
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            if msg.data == "2":  # ping
                await self.ws.send_str("3")
                continue
            return str(msg.data)

    async def emit(self, event: str, payload: Any = None) -> Any:
        return await self.emit_json(event, None if payload is None else json.dumps(payload))

    async def emit_json(self, event: str, payload_json: str | None) -> Any:
        """Send `[event, <payload_json as given>]` and return the ack's answer (events in between skipped)."""
        self.next_id += 1
        body = json.dumps(event) + ("" if payload_json is None else "," + payload_json)
        await self.ws.send_str(f"42{self.next_id}[{body}]")
        prefix = f"43{self.next_id}"
        while True:
            data = await self.frame()
            if data.startswith(prefix):
                return json.loads(data[len(prefix):])[0]

    async def close(self) -> None:
        await self.ws.close()
