"""Outbound delivery through the outbox (issue 12, point 4): e-mail over a real local SMTP server, signed
webhooks, Slack-compatible and Matrix posts to a local HTTP receiver; restarts and retries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from server.config import Config
from server.storage.models import Presence
from tests.alerts.conftest import Mailbox, Receiver
from tests.support import LiveServer

SECRET = "s3cret-for-tests"


@pytest.fixture
def config_overrides(smtp: Mailbox, receiver: Receiver) -> dict[str, Any]:
    return {"alerts": {
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "sender": "livehelp@example.org"},
        "channels": [
            {"name": "ops", "type": "webhook", "url": f"{receiver.url}/hook", "secret": SECRET},
            {"name": "chat", "type": "slack", "url": f"{receiver.url}/slack"},
            {"name": "room", "type": "matrix", "url": receiver.url, "room": "!ops:example.org",
             "access_token": "mx-token"},
        ],
        "chains": {"personal_escalation": [{"after": "5m", "to": ["role:admin", "channel:ops", "channel:chat",
                                                                   "channel:room"]}]},
        "retry_base": "30s", "max_attempts": 3,
    }}


async def test_an_away_monitor_gets_the_alert_by_mail(server: LiveServer, smtp: Mailbox) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    status, body = await server.put("/api/me/alert-preferences", {"email": "carol@example.org",
                                                                  "kinds": ["personal_escalation"]}, carol.token)
    assert status == 200 and body["preferences"]["email"] == "carol@example.org"
    status, body = await server.put("/api/me/alert-preferences", {"email": "not an address", "kinds": []}, carol.token)
    assert status == 400
    carol_id = (await carol.ok("me"))["account"]["id"]
    await carol.close()
    # Away means the server has processed the disconnect (her presence row is gone), not only that the
    # client closed: an alert raised before that would still count her as connected.
    assert server.deps is not None
    for _ in range(100):
        async with server.deps.db.read() as s:
            left = (await s.execute(select(func.count()).select_from(Presence)
                                    .where(Presence.account_id == carol_id))).scalar_one()
        if left == 0:
            break
        await asyncio.sleep(0.05)
    assert left == 0, "the server still counts Carol as connected"
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I will quit this course"})
    await server.deps.scheduler.advance(1)  # type: ignore[union-attr]
    [mail] = await smtp.wait(1)
    assert mail["To"] == "carol@example.org" and "personal escalation" in mail["Subject"]
    assert mail["Message-ID"].startswith("<livehelp-outbox-") and mail["X-Livehelp-Delivery"]
    assert "I will quit this course" in mail.get_payload(decode=True).decode()
    admin = await server.staff("dave_admin", ["admin"])
    status, log = await server.get("/api/admin/deliveries", admin.token)
    assert status == 200 and log["counts"]["sent"] == 1
    assert log["deliveries"][0]["to"] == "carol@example.org" and log["deliveries"][0]["status"] == "sent"
    status, _ = await server.get("/api/admin/deliveries", carol.token)
    assert status == 403


async def test_a_chain_step_posts_to_signed_webhook_slack_and_matrix(server: LiveServer, receiver: Receiver) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "I feel hopeless"})
    await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    sched = server.deps.scheduler  # type: ignore[union-attr]
    await sched.advance(60)
    assert not receiver.requests, "nothing before the step is due"
    await sched.advance(4 * 60)
    got = await receiver.wait(3)
    by_path = {r.path.split("/")[1] if not r.path.startswith("/_matrix") else "matrix": r for r in got}
    hook = by_path["hook"]
    # the signature verifies with the shared secret, over the raw body
    expected = "sha256=" + hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hook.headers["X-Livehelp-Signature"], expected)
    data = json.loads(hook.body)
    assert data["kind"] == "personal_escalation" and data["case_id"] == ack["case"]["id"]
    assert hook.headers["X-Livehelp-Delivery"] == str(data["id"])
    assert "text" in json.loads(by_path["slack"].body)
    matrix = by_path["matrix"]
    assert matrix.method == "PUT" and matrix.headers["Authorization"] == "Bearer mx-token"
    # the room id in the path (! and : may travel escaped or not); the outbox id is the transaction id
    prefix, _, txn = unquote(matrix.path).rpartition("/")
    assert prefix == "/_matrix/client/v3/rooms/!ops:example.org/send/m.room.message"
    assert txn.startswith("livehelp-") and txn.removeprefix("livehelp-").isdigit()
    assert json.loads(matrix.body)["msgtype"] == "m.text"


async def test_failures_are_retried_with_backoff_then_marked_failed(server: LiveServer, receiver: Receiver) -> None:
    receiver.fail_with = [500, 500, 500, 500, 500, 500, 500, 500, 500]
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I want to drop out"})
    await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    sched = server.deps.scheduler  # type: ignore[union-attr]
    await sched.advance(5 * 60)
    await receiver.wait(3)  # one try per channel
    first = len(receiver.requests)
    await sched.advance(15)
    assert len(receiver.requests) == first, "no retry before the backoff"
    await sched.advance(20)  # 30 s after the first try
    await receiver.wait(first + 3)
    await sched.advance(65)  # then 60 s more: the third and last try
    await receiver.wait(first + 6)
    status, log = await server.get("/api/admin/deliveries?status=failed", dave.token)
    assert status == 200 and log["counts"]["failed"] == 3
    assert all(d["attempts"] == 3 and "500" in d["last_error"] for d in log["deliveries"])


async def test_deliveries_pending_at_a_restart_are_sent_after_it(start_server: Any, config: Config,
                                                                   smtp: Mailbox, database_url: str) -> None:
    first: LiveServer = await start_server(config)
    carol = await first.staff("carol_monitor", ["monitor"], on_duty=True)
    await first.put("/api/me/alert-preferences", {"email": "carol@example.org", "kinds": ["personal_escalation"]},
                    carol.token)
    await carol.close()
    rita = await first.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I give up"})
    # the first process stops before its delivery job ran: the mail is only in the outbox
    await first.close_clients()
    await first.deps.scheduler.stop()  # type: ignore[union-attr]
    assert not smtp.messages
    second: LiveServer = await start_server(config)
    await second.deps.scheduler.advance(1)  # type: ignore[union-attr]
    [mail] = await smtp.wait(1)
    assert mail["To"] == "carol@example.org"
    await second.deps.scheduler.advance(60)  # type: ignore[union-attr]
    assert len(smtp.messages) == 1, "sent once"
