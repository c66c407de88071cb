"""The server as a real process: restart keeps history, a crash loses nothing acknowledged, SIGTERM is
graceful, bad config fails with one line, logs can be JSON, and two processes share rooms via Redis."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from pathlib import Path

import aiohttp
import pytest

from tests.process_server import ProcessServer, cli, create_account, write_test_config
from tests.support import PASSWORD, Client


async def login(url: str, username: str) -> str:
    async with aiohttp.ClientSession() as http, http.post(url + "/api/session", json={"username": username, "password": PASSWORD}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]  # type: ignore[no-any-return]


@pytest.fixture
def sqlite_url(database_url: str) -> str:
    """The test's database (a SQLite file, or this run's own PostgreSQL database) for process servers."""
    return database_url


async def test_restart_keeps_history_and_sigkill_loses_nothing_acknowledged(tmp_path: Path, sqlite_url: str) -> None:
    config = write_test_config(tmp_path)
    create_account(config, sqlite_url, "alice_helper", ["helper"])
    srv = await ProcessServer(config, sqlite_url).start()
    alice = await Client(srv.url, await login(srv.url, "alice_helper"), "alice").connect()
    room = (await alice.ok("room.create", {"name": "#durable"}))["room"]
    acked = []
    for i in range(50):
        acked.append((await alice.ok("message.send", {"room_id": room["id"], "body": f"d{i}", "client_id": f"d{i}"}))["message"])
    # crash hard right after the acknowledgements: no graceful shutdown at all
    await srv.astop(signal.SIGKILL)
    await alice.close()

    srv2 = await ProcessServer(config, sqlite_url).start()
    try:
        alice2 = await Client(srv2.url, await login(srv2.url, "alice_helper"), "alice2").connect()
        history = (await alice2.ok("room.history", {"room_id": room["id"], "limit": 200}))["messages"]
        chat = [m for m in history if m["kind"] == "chat"]
        assert [(m["id"], m["seq"], m["body"]) for m in chat] == [(m["id"], m["seq"], m["body"]) for m in acked]
        # idempotency survives a restart too
        again = (await alice2.ok("message.send", {"room_id": room["id"], "body": "x", "client_id": "d7"}))["message"]
        assert again["id"] == acked[7]["id"]
        await alice2.close()
    finally:
        assert await srv2.astop(signal.SIGTERM) == 0, "SIGTERM exits cleanly"


async def test_sigterm_finishes_in_flight_writes(tmp_path: Path, sqlite_url: str) -> None:
    config = write_test_config(tmp_path)
    create_account(config, sqlite_url, "alice_helper", ["helper"])
    srv = await ProcessServer(config, sqlite_url).start()
    alice = await Client(srv.url, await login(srv.url, "alice_helper"), "alice").connect()
    room = (await alice.ok("room.create", {"name": "#inflight"}))["room"]
    sends = [asyncio.ensure_future(alice.call("message.send", {"room_id": room["id"], "body": f"f{i}", "client_id": f"f{i}"}))
             for i in range(90)]  # under limits.events_burst (100, one spent on room.create)
    await asyncio.sleep(0.05)
    srv.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    results = await asyncio.gather(*sends, return_exceptions=True)
    assert await asyncio.to_thread(srv.proc.wait, 20) == 0  # type: ignore[union-attr]
    refused = [r for r in results if isinstance(r, dict) and not r.get("ok")]
    assert all(r["error"]["code"] == "unavailable" for r in refused), f"late sends are refused, not dropped: {refused[:3]}"
    acked = {r["message"]["client_id"] for r in results if isinstance(r, dict) and r.get("ok")}
    await alice.close()
    srv2 = await ProcessServer(config, sqlite_url).start()
    try:
        alice2 = await Client(srv2.url, await login(srv2.url, "alice_helper"), "alice2").connect()
        stored = {m["client_id"] for m in (await alice2.ok("room.history", {"room_id": room["id"], "limit": 200}))["messages"]
                  if m["kind"] == "chat"}
        assert acked <= stored, f"acknowledged but lost: {sorted(acked - stored)}"
        await alice2.close()
    finally:
        await srv2.astop()


def test_bad_config_fails_with_one_line_naming_the_key(tmp_path: Path) -> None:
    config = write_test_config(tmp_path, "\nlimits:\n  message_max_chars: lots\n")
    result = cli(["serve"], config, f"sqlite+aiosqlite:///{tmp_path}/x.db")
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1 and "limits.message_max_chars" in lines[0], result.stderr

    bad = tmp_path / "typo.yaml"
    bad.write_text("auth:\n  token_tll: 3d\n")
    result = cli(["serve"], bad, f"sqlite+aiosqlite:///{tmp_path}/x.db")
    assert result.returncode != 0 and "auth.token_tll" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_accounts_cli_errors_are_one_line(tmp_path: Path) -> None:
    config = write_test_config(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    create_account(config, url, "alice_helper", ["helper"])
    dup = cli(["accounts", "create", "alice_helper", "--role", "helper"], config, url, stdin=PASSWORD + "\n")
    assert dup.returncode != 0 and dup.stderr.strip().count("\n") == 0 and "taken" in dup.stderr
    weak = cli(["accounts", "create", "bob_helper", "--role", "helper"], config, url, stdin="short\n")
    assert weak.returncode != 0 and "password" in weak.stderr
    role = cli(["accounts", "create", "bob_helper", "--role", "wizard"], config, url, stdin=PASSWORD + "\n")
    assert role.returncode != 0 and "wizard" in role.stderr


async def test_json_logs_one_object_per_line(tmp_path: Path, sqlite_url: str) -> None:
    config = write_test_config(tmp_path)
    config.write_text(config.read_text().replace("format: text", "format: json"))
    srv = await ProcessServer(config, sqlite_url).start()
    await srv.astop()
    lines = [line for line in srv.log.read_text().splitlines() if line.strip()]
    assert lines, "the server logged something"
    parsed = [json.loads(line) for line in lines]
    assert any(p.get("msg") == "ready" for p in parsed)
    assert all({"ts", "level", "logger", "msg"} <= set(p) for p in parsed)


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def redis_test_config(tmp_path: Path) -> Path:
    """The test config with Redis on a channel of this test's own (skips without a reachable Redis)."""
    redis_url = os.environ.get("LIVEHELP_TEST_REDIS_URL") or ("redis://127.0.0.1:6379/0" if _redis_reachable() else "")
    if not redis_url:
        pytest.skip("no Redis reachable (set LIVEHELP_TEST_REDIS_URL)")
    config = write_test_config(tmp_path)
    channel = f"livehelp-test-{os.getpid()}-{tmp_path.name}"
    config.write_text(config.read_text().replace('redis_url: ""', f'redis_url: "{redis_url}"')
                      .replace("redis_channel: livehelp", f"redis_channel: {channel}"))
    return config


@pytest.mark.redis
async def test_two_processes_share_rooms_through_redis(tmp_path: Path, sqlite_url: str) -> None:
    config = redis_test_config(tmp_path)
    create_account(config, sqlite_url, "alice_helper", ["helper"])
    create_account(config, sqlite_url, "bob_helper", ["helper"])
    a = await ProcessServer(config, sqlite_url).start()
    b = await ProcessServer(config, sqlite_url).start()
    try:
        alice = await Client(a.url, await login(a.url, "alice_helper"), "alice@A").connect()
        room = (await alice.ok("room.create", {"name": "#scale"}))["room"]
        bob = await Client(b.url, await login(b.url, "bob_helper"), "bob@B").connect()
        await bob.ok("room.join", {"room_id": room["id"]})
        await asyncio.sleep(0.5)
        await alice.ok("message.send", {"room_id": room["id"], "body": "across processes", "client_id": "x"})
        await bob.wait_for("message", lambda m: m["body"] == "across processes")
        await bob.ok("message.send", {"room_id": room["id"], "body": "and back", "client_id": "y"})
        await alice.wait_for("message", lambda m: m["body"] == "and back")
        await alice.close()
        await bob.close()
    finally:
        await a.astop()
        await b.astop()


async def _guest(url: str, name: str) -> str:
    async with aiohttp.ClientSession() as http, http.post(url + "/api/guest", json={"display_name": name}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]  # type: ignore[no-any-return]


@pytest.mark.redis
async def test_a_claim_reaches_the_helpers_tab_on_another_process(tmp_path: Path, sqlite_url: str) -> None:
    """A claim on process A puts every socket of the helper in the case's rooms, also the second tab that
    sits on process B (the manager's enter_room, published through Redis)."""
    config = redis_test_config(tmp_path)
    create_account(config, sqlite_url, "alice_helper", ["helper"])
    a = await ProcessServer(config, sqlite_url).start()
    b = await ProcessServer(config, sqlite_url).start()
    try:
        token = await login(a.url, "alice_helper")
        alice_a = await Client(a.url, token, "alice@A").connect()
        alice_b = await Client(b.url, token, "alice@B").connect()
        await alice_a.ok("duty.set", {"on_duty": True})
        rita = await Client(a.url, await _guest(a.url, "Rita"), "rita@A").connect()
        ack = await rita.ok("help.request", {"topic": "general", "body": "My reset mail never arrives"})
        await alice_a.ok("case.claim", {"case_id": ack["case"]["id"]})
        await asyncio.sleep(0.3)  # the enter_room message crosses Redis before the next emit, but give it a beat
        await rita.ok("message.send", {"room_id": ack["room"]["id"], "body": "still nothing", "client_id": "r1"})
        await alice_b.wait_for("message", lambda m: m.get("body") == "still nothing")
        await alice_a.ok("message.send",
                         {"room_id": ack["room"]["id"], "body": "Looking now", "client_id": "a1"})
        await alice_b.wait_for("message", lambda m: m.get("body") == "Looking now")
        for c in (alice_a, alice_b, rita):
            await c.close()
    finally:
        await a.astop()
        await b.astop()
