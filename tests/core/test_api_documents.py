"""The API documents come from the code (routes + declared models), and the server keeps to them:
schemathesis against a live server with a real admin account finds no server error and no response that
breaks the document."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from server.schemas.registry import REST_ROUTES, SOCKET_EVENTS
from tests.process_server import ProcessServer, create_account, write_test_config
from tests.support import PASSWORD, LiveServer


async def test_the_documents_cover_every_route_and_event(server: LiveServer) -> None:
    status, doc = await server.get("/api/openapi.json")
    assert status == 200 and doc["openapi"] == "3.1.0"
    operations = {f"{method.upper()} {path}" for path, ops in doc["paths"].items() for method in ops}
    assert server.deps is not None
    assert set(REST_ROUTES) <= operations
    for key, parts in REST_ROUTES.items():
        op = doc["paths"][key.split(" ", 1)[1]][key.split(" ", 1)[0].lower()]
        if "body" in parts:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/" + parts["body"].__name__) and parts["body"].__name__ in doc["components"]["schemas"]
        if "query" in parts:
            names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
            assert names == {f.alias or n for n, f in parts["query"].model_fields.items()}
    assert "security" not in doc["paths"]["/api/health"]["get"]
    assert doc["paths"]["/api/me"]["get"]["security"] == [{"bearer": []}]

    status, events = await server.get("/api/asyncapi.json")
    assert status == 200 and events["asyncapi"] == "3.0.0"
    named = {m["name"] for m in events["channels"]["socket"]["messages"].values()}
    assert set(SOCKET_EVENTS) <= named


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error(tmp_path: Path, database_url: str) -> None:
    cli = Path(sys.executable).parent / "schemathesis"
    if not cli.exists():
        pytest.skip("schemathesis is not installed (make setup installs the test extras)")
    config = write_test_config(tmp_path)
    create_account(config, database_url, "dave_admin", ["helper", "admin"])
    srv = await ProcessServer(config, database_url).start()
    try:
        async with aiohttp.ClientSession() as http, http.post(
                srv.url + "/api/session", json={"username": "dave_admin", "password": PASSWORD}) as r:
            token = (await r.json())["token"]
        done = await asyncio.to_thread(subprocess.run,
            [str(cli), "run", srv.url + "/api/openapi.json", "-H", f"Authorization: Bearer {token}",
             "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", "15",
             "--seed", "20261206", "-w", "1",
             # logging out would end the run's own session; DELETE routes would remove what others test
             "--exclude-path", "/api/session", "--exclude-method", "DELETE"],
            capture_output=True, text=True, timeout=600, check=False,
            cwd=tmp_path)  # its .schemathesis/ cache goes with the test, not into the checkout
        out = done.stdout + done.stderr
        print(out[-3000:])
        assert done.returncode == 0, out[-6000:]
        assert "passed" in out and "Failures:" not in out
    finally:
        await srv.astop()
