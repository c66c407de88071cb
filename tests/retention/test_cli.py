"""`livehelp retention run` and `livehelp retention erase` as subprocesses against the running server's
database: one JSON line per case and a total, dry runs that change nothing, one-line failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from retention.keys import ENV_VAR
from server.clock import iso
from server.storage.models import Message
from tests.retention.helpers import claimed_case, send
from tests.support import REPO, LiveServer, cheap_config_text

SECRET = "the vault combination is 31-07-1977"


async def cli(server: LiveServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The shell command against the same database (and the same master key) as the in-process server.
    Run without blocking the event loop: the in-process server (and its sockets' pings) share it."""
    assert server.deps is not None
    config = tmp_path / "cli-config.yaml"
    if not config.exists():
        config.write_text(cheap_config_text((REPO / "config.yaml").read_text()))
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    key_file = server.deps.config.retention.master_key_file
    if key_file:  # PostgreSQL runs: the tests' key file; SQLite: the key file beside the database
        env[ENV_VAR] = Path(key_file).read_text().strip()
    argv = [sys.executable, "-m", "server.cli", *args, "--config", str(config),
            "--database-url", server.deps.config.database.url]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)})
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return subprocess.CompletedProcess(argv, proc.returncode or 0, out.decode(), err.decode())


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def body_of(server: LiveServer, message_id: int) -> tuple[bool, bytes | None]:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        row = (await s.execute(select(Message).where(Message.id == message_id))).scalar_one()
    return row.purged, row.body_sealed


async def test_retention_run_prints_json_lines(server: LiveServer, tmp_path: Path) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    secret = await send(rita, room_id, SECRET, "s1", sensitive=True)
    await alice.ok("case.resolve", {"case_id": case["id"]})
    closed = server.clock.now()  # type: ignore[union-attr]

    early = await cli(server, tmp_path, "retention", "run", "--as-of", iso(closed + dt.timedelta(days=29)))  # type: ignore[arg-type]
    assert early.returncode == 0, early.stderr
    [total] = lines(early.stdout)
    assert total["total"] is True and total["cases"] == 0 and total["dry_run"] is False

    as_of = iso(closed + dt.timedelta(days=31))
    dry = await cli(server, tmp_path, "retention", "run", "--as-of", as_of, "--dry-run")  # type: ignore[arg-type]
    assert dry.returncode == 0, dry.stderr
    case_line, total = lines(dry.stdout)
    assert case_line["case_id"] == case["id"] and case_line["dry_run"] is True
    assert case_line["sensitive_messages"] == 1 and case_line["key_destroyed"] is True
    assert total == {**total, "total": True, "cases": 1, "sensitive_messages": 1, "keys_destroyed": 1,
                     "dry_run": True, "as_of": as_of}
    assert await body_of(server, secret["id"]) != (True, None), "a dry run changes nothing"
    assert SECRET not in dry.stdout + dry.stderr

    real = await cli(server, tmp_path, "retention", "run", "--as-of", as_of)  # type: ignore[arg-type]
    assert real.returncode == 0, real.stderr
    case_line, total = lines(real.stdout)
    assert case_line["case_id"] == case["id"] and case_line["dry_run"] is False
    assert case_line["sensitive_messages"] == 1 and case_line["guest_transcripts"] >= 2
    assert total["cases"] == 1 and total["keys_destroyed"] == 1 and total["errors"] == 0
    assert await body_of(server, secret["id"]) == (True, None)
    history = (await alice.ok("room.history", {"room_id": room_id}))["messages"]
    assert [m["purged"] for m in history if m["id"] == secret["id"]] == [True]

    again = await cli(server, tmp_path, "retention", "run", "--as-of", as_of)  # type: ignore[arg-type]
    assert [t["cases"] for t in lines(again.stdout)] == [0]

    bad = await cli(server, tmp_path, "retention", "run", "--as-of", "next tuesday")
    assert bad.returncode != 0 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "livehelp: --as-of: expected an ISO-8601 instant like 2026-03-01T00:00:00Z, got 'next tuesday'"]


async def test_retention_run_refused_while_another_process_holds_the_lease(server: LiveServer,
                                                                          tmp_path: Path) -> None:
    from retention.job import Lease

    assert server.deps is not None
    lease = Lease(server.deps, 3600)
    server.clock.set(dt.datetime.now(dt.timezone.utc))  # type: ignore[union-attr]  (the CLI's clock is real)
    assert await lease.acquire()
    held = await cli(server, tmp_path, "retention", "run")
    assert held.returncode != 0 and "another process is running the retention job" in held.stderr
    assert len(held.stderr.strip().splitlines()) == 1
    dry = await cli(server, tmp_path, "retention", "run", "--dry-run")
    assert dry.returncode == 0, "a dry run needs no lease"
    await lease.release()


async def test_retention_erase_from_the_shell(server: LiveServer, tmp_path: Path) -> None:
    await server.create_account("ruth_user", ["user"], display_name="Ruth Example")
    ruth = await server.client((await server.login("ruth_user"))["token"], "ruth")
    answer = await ruth.ok("help.request", {"topic": "general", "body": "my order is missing"})
    room_id, case_id = answer["room"]["id"], answer["case"]["id"]
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    await alice.ok("case.claim", {"case_id": case_id})
    secret = await send(ruth, room_id, SECRET, "s1", sensitive=True)
    open_refused = await cli(server, tmp_path, "retention", "erase", "--requester", "ruth_user")
    assert open_refused.returncode != 0 and "open case" in open_refused.stderr
    await alice.ok("case.resolve", {"case_id": case_id})

    out = await cli(server, tmp_path, "retention", "erase", "--requester", "ruth_user")
    assert out.returncode == 0, out.stderr
    case_line, total = lines(out.stdout)
    assert case_line["case_id"] == case_id and case_line["sensitive_messages"] == 1 and case_line["key_destroyed"]
    assert total["requester_id"] == secret["sender"]["id"]
    assert total["account_anonymized"] is True and total["cases"] == 1
    assert await body_of(server, secret["id"]) == (True, None)
    status, _ = await server.post("/api/session", {"username": "ruth_user", "password": "correct horse battery"})
    assert status == 401
    again = await cli(server, tmp_path, "retention", "erase", "--requester", str(secret["sender"]["id"]))
    assert again.returncode == 0 and lines(again.stdout)[-1]["account_anonymized"] is False, "idempotent"
    unknown = await cli(server, tmp_path, "retention", "erase", "--requester", "nobody_here")
    assert unknown.returncode != 0 and unknown.stderr.strip().splitlines() == ["livehelp: no requester 'nobody_here'"]
