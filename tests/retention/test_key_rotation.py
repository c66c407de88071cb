"""`livehelp keys rotate`: every live data key is re-wrapped under the new master key in one transaction;
sealed content reads back under the new key, the old key no longer opens the database, and a refused
rotation (the same key again) changes nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from retention.keys import ENV_VAR, generate_key
from tests.retention.test_keys import cli_config, run_cli, sqlite_url
from tests.support import make_config


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


async def test_rotate_rewraps_data_keys_and_the_old_key_stops_opening(start_server: Any, tmp_path: Path) -> None:
    server = await start_server(make_config(sqlite_url(tmp_path)))
    key_file = tmp_path / "data" / "livehelp-master.key"
    old_key = key_file.read_text().strip()
    rita = await server.requester()
    rooms = []
    for pin in ("pin 5521", "pin 7730"):
        answer = await rita.ok("help.request", {"topic": "general", "body": "hi"})
        rooms.append(answer["room"]["id"])
        await rita.ok("message.send", {"room_id": rooms[-1], "body": pin, "client_id": pin, "sensitive": True})
    await server.close_clients()  # "stop every server first": nothing writes while the CLI runs

    common = ["--config", str(cli_config(tmp_path)), "--database-url", sqlite_url(tmp_path)]
    same = tmp_path / "same.key"
    same.write_text(old_key + "\n")
    refused = run_cli(["keys", "rotate", "--new-key-file", str(same), *common], tmp_path)
    assert refused.returncode != 0 and "the new master key is the current one" in refused.stderr
    assert key_file.read_text().strip() == old_key

    new_file = tmp_path / "new.key"
    new_file.write_text(generate_key() + "\n")
    out = run_cli(["keys", "rotate", "--new-key-file", str(new_file), *common], tmp_path)
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert line["ok"] and line["rewrapped_data_keys"] == 2 and line["old_key_id"] != line["new_key_id"]
    # the auto-created key file now holds the new key (mode 0600); the old key opens nothing any more
    assert base64.b64decode(key_file.read_text()) == base64.b64decode(new_file.read_text())
    assert key_file.stat().st_mode & 0o077 == 0
    check_old = run_cli(["keys", "check", *common], tmp_path, {ENV_VAR: old_key})
    assert check_old.returncode != 0 and "does not open this database's sealed data" in check_old.stderr
    check_new = run_cli(["keys", "check", *common], tmp_path)
    assert check_new.returncode == 0 and line["new_key_id"] in check_new.stdout

    # a server started now (it reads the key file afresh) opens every sealed message
    server2 = await start_server(make_config(sqlite_url(tmp_path)))
    rita2 = await server2.client(rita.token, "rita")
    for room_id, pin in zip(rooms, ("pin 5521", "pin 7730"), strict=True):
        history = (await rita2.ok("room.history", {"room_id": room_id}))["messages"]
        assert pin in [m["body"] for m in history], history
