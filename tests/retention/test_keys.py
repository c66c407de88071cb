"""The master key: created beside the embedded database on first start (mode 0600, a loud WARNING),
never stored in the database, checked against the stored data at start; a wrong, missing or malformed
key refuses the start with one clear line."""

from __future__ import annotations

import base64
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from retention.keys import ENV_VAR, KeyPlan, Keyring, generate_key
from server.app import create_app
from server.clock import FakeClock
from server.config import ConfigError
from server.storage.db import Database
from tests.support import REPO, cheap_config_text, make_config


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


async def refused_at_start(config: Any, match: str) -> None:
    """Start the app as `livehelp serve` does and expect the start to be refused (then clean up what began)."""
    app = create_app(config, clock=FakeClock())
    runner = web.AppRunner(app)
    try:
        with pytest.raises(ConfigError, match=match):
            await runner.setup()
    finally:
        await runner.cleanup()


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/data/livehelp.db"


async def test_first_start_creates_a_key_file_and_warns(start_server: Any, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="livehelp")
    server = await start_server(make_config(sqlite_url(tmp_path)))
    key_file = tmp_path / "data" / "livehelp-master.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text().strip())) == 32
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "BACK IT UP" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].path == str(key_file)  # type: ignore[attr-defined]
    # the key is not in the database
    key = base64.b64decode(key_file.read_text().strip())
    db = (tmp_path / "data" / "livehelp.db").read_bytes() + (tmp_path / "data" / "livehelp.db-wal").read_bytes()
    assert key not in db and key_file.read_text().strip().encode() not in db

    # a second start with the same database reuses it quietly
    caplog.clear()
    await start_server(make_config(sqlite_url(tmp_path)))
    assert not [r for r in caplog.records if "BACK IT UP" in r.getMessage()]
    assert base64.b64decode(key_file.read_text().strip()) == key
    assert server.deps is not None


async def test_wrong_key_refuses_the_start(start_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path)
    await start_server(make_config(url))
    monkeypatch.setenv(ENV_VAR, generate_key())
    await refused_at_start(make_config(url), r"does not open this database's sealed data")
    # a key file named in config that holds another key: refused the same way
    other = tmp_path / "other.key"
    other.write_text(generate_key())
    monkeypatch.delenv(ENV_VAR)
    await refused_at_start(make_config(url, {"retention": {"master_key_file": str(other)}}),
                           r"other.key, key id [0-9a-f]+\) does not open")


async def test_missing_or_malformed_keys_refused(start_server: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path)
    with pytest.raises(ConfigError, match=r"retention.master_key_file.*does not exist"):
        create_app(make_config(url, {"retention": {"master_key_file": str(tmp_path / "nope.key")}}))
    bad = tmp_path / "bad.key"
    bad.write_text("not base64 at all!")
    with pytest.raises(ConfigError, match=r"expected the base64 of 32 random bytes"):
        create_app(make_config(url, {"retention": {"master_key_file": str(bad)}}))
    monkeypatch.setenv(ENV_VAR, base64.b64encode(b"short").decode())
    with pytest.raises(ConfigError, match=r"\$LIVEHELP_MASTER_KEY: expected the base64"):
        create_app(make_config(url))
    monkeypatch.delenv(ENV_VAR)

    # the auto-created key file disappears once data was sealed with it: refused, not replaced
    await start_server(make_config(url))
    (tmp_path / "data" / "livehelp-master.key").rename(tmp_path / "stashed.key")
    await refused_at_start(make_config(url), r"key file .*livehelp-master.key is missing; restore it")
    assert not (tmp_path / "data" / "livehelp-master.key").exists()


async def test_no_key_without_embedded_database_refuses(database_url: str) -> None:
    """PostgreSQL (no file to put a key beside): with no key configured the start is refused."""
    db = Database(make_config(database_url).database)
    try:
        await db.upgrade()
        with pytest.raises(ConfigError, match=r"no master key for sensitive data: set \$LIVEHELP_MASTER_KEY"):
            await Keyring(KeyPlan("missing")).open(db)
    finally:
        await db.close()


async def test_env_key_works(start_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, generate_key())
    server = await start_server(make_config(sqlite_url(tmp_path)))
    assert not (tmp_path / "data" / "livehelp-master.key").exists(), "a configured key makes no file"
    rita = await server.requester()
    answer = await rita.ok("help.request", {"topic": "general", "body": "hi"})
    msg = (await rita.ok("message.send", {"room_id": answer["room"]["id"], "body": "pin 5521", "client_id": "a",
                                          "sensitive": True}))["message"]
    history = (await rita.ok("room.history", {"room_id": answer["room"]["id"]}))["messages"]
    assert [m["body"] for m in history if m["id"] == msg["id"]] == ["pin 5521"]


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
            ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**base, "PYTHONPATH": str(REPO), **(env or {})})


def cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(cheap_config_text((REPO / "config.yaml").read_text()))
    return path


def test_keys_generate_and_serve_refusing_a_wrong_key(tmp_path: Path) -> None:
    out = run_cli(["keys", "generate"], tmp_path)
    assert out.returncode == 0 and len(base64.b64decode(out.stdout.strip(), validate=True)) == 32
    assert run_cli(["keys", "generate"], tmp_path).stdout != out.stdout

    config = cli_config(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path}/lh.db"
    common = ["--config", str(config), "--database-url", url]
    check = run_cli(["keys", "check", *common], tmp_path)
    assert check.returncode == 0 and '"ok": true' in check.stdout
    assert "BACK IT UP" in check.stderr and (tmp_path / "lh-master.key").exists()

    wrong = run_cli(["serve", *common, "--port", "0"], tmp_path, {ENV_VAR: out.stdout.strip()})
    assert wrong.returncode != 0
    errors = [line for line in wrong.stderr.splitlines() if line.startswith("livehelp:")]
    assert len(errors) == 1 and "does not open this database's sealed data" in errors[0]
    assert "Traceback" not in wrong.stderr

    bad = run_cli(["serve", *common, "--port", "0"], tmp_path, {ENV_VAR: "xyz"})
    assert bad.returncode != 0 and bad.stderr.strip().splitlines() == [
        "livehelp: $LIVEHELP_MASTER_KEY: expected the base64 of 32 random bytes (make one with `livehelp keys generate`)"]
