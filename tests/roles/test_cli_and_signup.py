"""`livehelp accounts promote` as a subprocess against the test's database (the in-process server's
SQLite file, or its PostgreSQL database) with the same config, and self sign-up."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.config import merge
from tests.process_server import cli
from tests.roles.helpers import ROLES_OVERRIDES, me, open_case
from tests.support import CHEAP_HASHES, LiveServer, base_config_mapping

OVERRIDES = {**ROLES_OVERRIDES, "roles": {"supervision_check_interval": 0,
                                          "promotion": {"vouches_required": 1, "distinct_vouchers_required": 1}}}


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return OVERRIDES


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "cli-config.yaml"
    path.write_text(yaml.safe_dump(merge(base_config_mapping(), OVERRIDES)))
    return path


async def run_cli(args: list[str], config: Path, database_url: str) -> Any:
    return await asyncio.to_thread(cli, args, config, database_url)


async def test_cli_promote_refused_then_forced_then_eligible(server: LiveServer, tmp_path: Path,
                                                             database_url: str) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    tina = await server.staff("tina_trainee", ["trainee"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    config = config_file(tmp_path)

    refused = await run_cli(["accounts", "promote", "bob_trainee", "--to", "helper"], config, database_url)
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0] == ("livehelp: bob_trainee is not eligible for helper yet: 0 of 1 vouches, from 0 of 1 "
                        "different people (use --force to promote anyway)")
    assert (await bob.ok("me"))["account"]["roles"] == ["trainee"]

    forced = await run_cli(["accounts", "promote", "bob_trainee", "--to", "helper", "--force", "--reason",
                            "covers the night shift"], config, database_url)
    assert forced.returncode == 0, forced.stderr
    out = json.loads(forced.stdout)
    assert out["account"]["roles"] == ["helper"]
    assert out["audit"]["via"] == "cli" and out["audit"]["actor"] is None
    assert out["audit"]["actor_label"].startswith("cli")
    assert out["audit"]["details"]["forced"] is True
    assert (await bob.ok("me"))["account"]["roles"] == ["helper"], "the running server sees the change"

    again = await run_cli(["accounts", "promote", "bob_trainee"], config, database_url)
    assert again.returncode != 0 and again.stderr.strip() == "livehelp: bob_trainee is already a helper"
    nobody = await run_cli(["accounts", "promote", "nobody_here"], config, database_url)
    assert nobody.returncode != 0 and len(nobody.stderr.strip().splitlines()) == 1
    assert "no account named 'nobody_here'" in nobody.stderr

    # tina earns her vouch on a supervised, resolved case: then the plain command promotes her
    _, case, _ = await open_case(server)
    await tina.ok("case.claim", {"case_id": case["id"]})
    await tina.ok("case.resolve", {"case_id": case["id"]})
    await carol.ok("case.vouch", {"case_id": case["id"], "trainee_id": me(tina)})
    listed = await run_cli(["accounts", "trainees", "--eligible"], config, database_url)
    assert listed.returncode == 0 and [json.loads(x)["account"]["username"] for x in listed.stdout.splitlines()] \
        == ["tina_trainee"]
    ok = await run_cli(["accounts", "promote", "tina_trainee", "--to", "helper"], config, database_url)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["audit"]["reason"] == "eligible: 1 vouches from 1 people"

    status, log = await server.get("/api/admin/audit", dave.token)
    assert [(e["action"], e["account"]["username"], e["via"], e["reason"]) for e in log["entries"]] == [
        ("promote", "tina_trainee", "cli", "eligible: 1 vouches from 1 people"),
        ("promote", "bob_trainee", "cli", "covers the night shift")]

    roles = await run_cli(["accounts", "roles", "bob_trainee", "--grant", "monitor", "--reason", "senior"],
                          config, database_url)
    assert roles.returncode == 0, roles.stderr
    assert json.loads(roles.stdout)["account"]["roles"] == ["helper", "monitor"]
    last_admin = await run_cli(["accounts", "roles", "dave_admin", "--revoke", "admin"], config, database_url)
    assert last_admin.returncode != 0 and "no admin" in last_admin.stderr


async def test_signup_disabled_by_default(server: LiveServer) -> None:
    status, body = await server.post("/api/signup", {"username": "newbie", "password": "long enough pw"})
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert "sign-up is disabled" in body["error"]["message"]


@pytest.mark.parametrize("config_overrides", [{**OVERRIDES, "auth": {"self_signup": True, **CHEAP_HASHES}}])
async def test_signup_makes_a_trainee_at_once(server: LiveServer) -> None:
    status, body = await server.post("/api/signup", {"username": "Newbie", "password": "long enough pw",
                                                     "display_name": "New Bie"})
    assert status == 201, body
    assert body["account"]["roles"] == ["trainee"] and body["account"]["username"] == "newbie"
    assert body["account"]["display_name"] == "New Bie"
    # no approval: the token works at once, and the trainee shadows a live case straight away
    newbie = await server.client(body["token"], "newbie")
    _, case, _ = await open_case(server)
    await newbie.ok("case.shadow", {"case_id": case["id"]})
    status, _ = await server.post("/api/session", {"username": "newbie", "password": "long enough pw"})
    assert status == 200
    status, dup = await server.post("/api/signup", {"username": "newbie", "password": "another long one"})
    assert status == 409
    for bad in ({"username": "x", "password": "long enough pw"}, {"username": "okname", "password": "short"},
                {"password": "long enough pw"}, {"username": "okname"}):
        status, _ = await server.post("/api/signup", bad)
        assert status == 400, bad
    dave = await server.staff("dave_admin", ["admin"])
    status, log = await server.get("/api/admin/audit", dave.token)
    assert [(e["action"], e["account"]["username"], e["via"], e["roles_after"]) for e in log["entries"]] == [
        ("signup", "newbie", "signup", ["trainee"])]
