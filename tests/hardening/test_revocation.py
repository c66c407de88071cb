"""Revocation that bites (issue 13, defects 1 and 2): logging out or `livehelp accounts revoke-tokens`
ends the account's open sockets; taking a staff role away takes its sockets out of the staff rooms.

The CLI runs as a subprocess against the same database: the server notices through its session check
(auth.session_check_interval, run by the scheduler; the FakeClock is advanced past it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from server.config import merge
from tests.process_server import cli
from tests.roles.helpers import me, open_case, send
from tests.support import Client, LiveServer, base_config_mapping


async def gone(c: Client, timeout: float = 5) -> bool:
    for _ in range(int(timeout / 0.05)):
        if not c.sio.connected:
            return True
        await asyncio.sleep(0.05)
    return False


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "cli-config.yaml"
    path.write_text(yaml.safe_dump(merge(base_config_mapping(), {})))
    return path


async def run_cli(args: list[str], tmp_path: Path, database_url: str) -> Any:
    result = await asyncio.to_thread(cli, args, config_file(tmp_path), database_url)
    assert result.returncode == 0, result.stderr
    return result


async def test_logout_disconnects_the_sockets_of_that_token(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    other = await server.login("alice_helper")  # a second device keeps its own valid token
    phone = await server.client(other["token"], "phone")
    assert (await alice.call("me"))["ok"]
    async with server.http.delete(server.url + "/api/session",
                                  headers={"Authorization": f"Bearer {alice.token}"}) as r:
        assert r.status == 200
    assert await gone(alice), "the logged-out socket still works"
    assert phone.sio.connected and (await phone.call("me"))["ok"]
    status, _ = await server.get("/api/me", token=alice.token)
    assert status == 401


async def test_cli_revoke_tokens_disconnects_every_socket(server: LiveServer, tmp_path: Path,
                                                          database_url: str) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    phone = await server.client((await server.login("alice_helper"))["token"], "phone")
    bob = await server.staff("bob_helper", ["helper"])
    await run_cli(["accounts", "revoke-tokens", "alice_helper"], tmp_path, database_url)
    assert server.deps is not None
    await server.deps.scheduler.advance(server.deps.config.auth.session_check_interval)
    assert await gone(alice) and await gone(phone)
    assert bob.sio.connected and (await bob.call("me"))["ok"]


async def _shadowing_monitor(server: LiveServer) -> tuple[Client, Client, int, int]:
    """carol (monitor) watches a case alice (helper) took: (carol, alice, case_id, room_id)."""
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    await server.staff("dave_admin", ["admin"])
    _, case, room_id = await open_case(server)
    await alice.ok("case.claim", {"case_id": case["id"]})
    await carol.ok("case.shadow", {"case_id": case["id"]})
    await send(alice, room_id, "first whisper", kind="whisper")
    await carol.wait_for("message", lambda m: m["body"] == "first whisper")
    return carol, alice, case["id"], room_id


async def _assert_out_of_staff_rooms(carol: Client, alice: Client, room_id: int) -> None:
    await send(alice, room_id, "after whisper", kind="whisper")
    await send(alice, room_id, "after note", kind="note")
    await carol.settle(0.4)
    bodies = [m["body"] for m in carol.received("message")]
    assert "after whisper" not in bodies and "after note" not in bodies
    assert (await carol.call("queue.list"))["error"]["code"] == "forbidden"  # decided on current roles
    refused = await carol.call("message.send", {"room_id": room_id, "body": "x", "client_id": "c1",
                                                "kind": "whisper"})
    assert not refused["ok"]


async def test_role_taken_away_by_an_admin_leaves_the_staff_rooms(server: LiveServer) -> None:
    carol, alice, _, room_id = await _shadowing_monitor(server)
    dave = await server.login("dave_admin")
    status, body = await server.post(f"/api/admin/accounts/{me(carol)}/roles",
                                     {"revoke": ["monitor"], "reason": "left the team"}, token=dave["token"])
    assert status == 200, body
    await _assert_out_of_staff_rooms(carol, alice, room_id)


async def test_role_taken_away_from_the_shell_leaves_the_staff_rooms(server: LiveServer, tmp_path: Path,
                                                                      database_url: str) -> None:
    carol, alice, _, room_id = await _shadowing_monitor(server)
    await run_cli(["accounts", "roles", "carol_monitor", "--revoke", "monitor"], tmp_path, database_url)
    assert server.deps is not None
    await server.deps.scheduler.advance(server.deps.config.auth.session_check_interval)
    await _assert_out_of_staff_rooms(carol, alice, room_id)
