"""Three server processes on the real PostgreSQL and Redis: a case's whole life with the requester, the
helper, the trainee and the monitor on different processes; a kill -9 mid-conversation loses nothing
acknowledged, its clients reconnect to another process and `sync` catches them up; no alert fires twice."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from server.storage.models import Presence
from server.storage.models.alerts import Alert
from tests.deployment.conftest import deployment_config
from tests.process_server import ProcessServer, create_account
from tests.support import PASSWORD, Client

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


async def login(url: str, username: str) -> tuple[str, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, \
            http.post(url + "/api/session", json={"username": username, "password": PASSWORD}) as r:
        assert r.status == 200, await r.text()
        body = await r.json()
        return body["token"], body["account"]


async def guest(url: str, name: str) -> tuple[str, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, \
            http.post(url + "/api/guest", json={"display_name": name}) as r:
        assert r.status == 200, await r.text()
        body = await r.json()
        return body["token"], body["account"]


async def query(url: str, stmt: Any) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(stmt)).all())
    finally:
        await engine.dispose()


async def test_a_case_across_three_processes_and_a_kill(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    config = deployment_config(tmp_path, redis_url, {
        "server": {"heartbeat_interval": "1s", "dead_after": "3s"},
        "helpdesk": {"jobs_interval": "1s", "sla": {"first_response_warning": "2s", "first_response_goal": "1h"}},
        "alerts": {"jobs_interval": "1s"},
    })
    create_account(config, postgres_url, "alice_helper", ["helper"])
    create_account(config, postgres_url, "tom_trainee", ["trainee"])
    create_account(config, postgres_url, "mona_monitor", ["monitor"])
    a, b, c = [await ProcessServer(config, postgres_url).start() for _ in range(3)]
    clients: list[Client] = []
    try:
        rita_token, rita_account = await guest(a.url, "Rita")
        rita = await Client(a.url, rita_token, "rita@A").connect()
        alice = await Client(b.url, (await login(b.url, "alice_helper"))[0], "alice@B").connect()
        tom = await Client(c.url, (await login(c.url, "tom_trainee"))[0], "tom@C").connect()
        mona = await Client(b.url, (await login(b.url, "mona_monitor"))[0], "mona@B").connect()
        clients += [rita, alice, tom, mona]
        for staff in (alice, tom, mona):
            await staff.ok("duty.set", {"on_duty": True})

        # The request on A alerts the helper on B and the trainee on C.
        ack = await rita.ok("help.request", {"topic": "general", "body": "My reset mail never arrives"})
        case_id, room_id = ack["case"]["id"], ack["room"]["id"]
        await alice.wait_for("queue.alert", lambda x: x["case"]["id"] == case_id)
        await tom.wait_for("queue.alert", lambda x: x["case"]["id"] == case_id)
        # Unanswered past the 2 s warning: three processes run the SLA job, the monitor hears it once.
        await mona.wait_for("alert", lambda x: x.get("kind") == "sla_breach" and x.get("case_id") == case_id,
                            timeout=15)

        await alice.ok("case.claim", {"case_id": case_id})
        await rita.wait_for("message", lambda m: m["kind"] == "system" and "is helping you" in m["body"])
        await tom.ok("case.shadow", {"case_id": case_id})
        await alice.ok("message.send", {"room_id": room_id, "body": "Hi Rita, let me look.", "client_id": "a0"})
        await rita.wait_for("message", lambda m: m.get("body") == "Hi Rita, let me look.")
        await tom.wait_for("message", lambda m: m.get("body") == "Hi Rita, let me look.")
        await tom.ok("message.send", {"room_id": room_id, "body": "Check the spam folder?", "client_id": "t0",
                                      "kind": "whisper"})
        await alice.wait_for("message", lambda m: m.get("body") == "Check the spam folder?")
        seen = [m["seq"] for m in rita.received("message", lambda m: m.get("room_id") == room_id)]
        last_seen = max(seen)

        # Kill -9 the requester's process mid-conversation; the helper keeps writing on B.
        await a.astop(signal.SIGKILL)
        acked = []
        for i in range(5):
            acked.append((await alice.ok("message.send", {
                "room_id": room_id, "body": f"while you were away {i}", "client_id": f"a{i + 1}"}))["message"])
        # Rita's client reconnects to another process and catches up with sync.
        rita2 = await Client(c.url, rita_token, "rita@C").connect()
        clients.append(rita2)
        synced = (await rita2.ok("sync", {"since": {str(room_id): last_seen}}))["messages"][str(room_id)]
        assert [m["id"] for m in synced if m["kind"] == "chat"] == [m["id"] for m in acked]
        assert not [m for m in synced if m["kind"] in ("whisper", "note")]  # the requester never gets those
        await rita2.ok("message.send", {"room_id": room_id, "body": "Found it in spam, thanks!", "client_id": "r1"})
        await alice.wait_for("message", lambda m: m.get("body") == "Found it in spam, thanks!")
        await tom.wait_for("message", lambda m: m.get("body") == "Found it in spam, thanks!")

        # The dead process's presence is cleared by the others once its heartbeat lapsed (dead_after, 3 s).
        # If the killed process held the sweep job's lease, another takes the job over only when that lease
        # lapses (jobs.MIN_LEASE_SECONDS, 10 s), so allow both with room to spare on a loaded machine.
        for _ in range(300):
            rows = await query(postgres_url, select(func.count()).select_from(Presence)
                               .where(Presence.account_id == rita_account["id"]))
            if rows[0][0] == 1:
                break
            await asyncio.sleep(0.1)
        assert rows[0][0] == 1, "only Rita's socket on C is left"

        await alice.ok("case.resolve", {"case_id": case_id, "summary": "mail in spam"})
        await rita2.wait_for("case.updated", lambda x: x["id"] == case_id and x["status"] == "resolved")

        # No alert fired twice: one stored row per recipient, kind and level; the monitor got one.
        await asyncio.sleep(2.5)  # a few more job ticks on every process
        alerts = await query(postgres_url, select(Alert.account_id, Alert.kind, Alert.payload)
                             .where(Alert.case_id == case_id))
        keys = [(acc, kind, (payload or {}).get("level")) for acc, kind, payload in alerts]
        assert keys and len(keys) == len(set(keys)), keys
        assert len(mona.received("alert", lambda x: x.get("kind") == "sla_breach" and x.get("case_id") == case_id
                                 and x.get("level") == "warning")) == 1
    finally:
        for cl in clients:
            await cl.close()
        for srv in (a, b, c):
            await srv.astop()


async def test_processes_started_together_on_a_new_database(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    """livehelp.target starts every process at once: on an empty database one migrates (under an advisory
    lock) and the others wait for it, then all serve."""
    from sqlalchemy.engine import make_url

    from bench.livehelp_setup import fresh_postgres_database

    server = make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False)
    url, drop = await fresh_postgres_database(server)
    config = deployment_config(tmp_path, redis_url, {})
    servers = [ProcessServer(config, url) for _ in range(3)]
    try:
        await asyncio.gather(*(srv.start() for srv in servers))
        for srv in servers:
            async with aiohttp.ClientSession() as http, http.get(srv.url + "/api/health") as r:
                assert r.status == 200
    finally:
        for srv in servers:
            if srv.proc is not None:
                await srv.astop()
        await drop()
