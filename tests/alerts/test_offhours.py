"""Off-hours requests are kept (issue 12, point 1): never abandoned for a disconnect while nobody serves
the queue, an e-mail with a resume link when staff reply to an away requester, and one alert listing the
waiting cases to whoever comes on duty."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from server.actions import abandon
from server.clock import iso
from tests.alerts.conftest import Mailbox
from tests.support import LiveServer


@pytest.fixture
def config_overrides(smtp: Mailbox) -> dict[str, Any]:
    return {"alerts": {"smtp": {"host": "127.0.0.1", "port": smtp.port, "sender": "help@example.org"},
                       "public_url": "https://help.example.org", "resume_link_ttl": "1d"}}


async def test_off_hours_request_is_kept_mailed_and_resumed_by_its_link(server: LiveServer, smtp: Mailbox) -> None:
    deps, clock = server.deps, server.clock
    assert deps is not None and clock is not None
    await server.create_account("alice_helper", ["helper"], display_name="Alice")
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "How do I deploy my app?"})
    case_id, room_id = ack["case"]["id"], ack["room"]["id"]
    assert await rita.error("case.contact", {"case_id": case_id, "email": "not-an-address"}) == "invalid"
    await rita.ok("case.contact", {"case_id": case_id, "email": "rita@example.org"})
    rosa = await server.requester("Rosa")
    ack2 = await rosa.ok("help.request", {"topic": "general", "body": "Second question"})
    await rita.close()
    await rosa.close()  # no address left: kept all the same, since nobody serves the queue on duty
    clock.advance(minutes=30)
    assert await abandon.run_once(deps, clock.now()) == []

    # a helper comes on duty: one alert listing the waiting cases, oldest first
    alice = await server.client((await server.login("alice_helper"))["token"], "alice")
    await alice.ok("duty.set", {"on_duty": True})
    waiting = await alice.wait_for("alert", lambda a: a["kind"] == "waiting_cases")
    assert [c["case_id"] for c in waiting["cases"]] == [case_id, ack2["case"]["id"]] and waiting["count"] == 2
    assert waiting["cases"][0]["waited_seconds"] >= 30 * 60 and isinstance(waiting["id"], int)
    await alice.settle()
    assert len(alice.received("alert", lambda a: a["kind"] == "waiting_cases")) == 1

    # the helper answers while the requester is away: one mail with a link
    await alice.ok("case.claim", {"case_id": case_id})
    for text in ("Hi Rita, run `make deploy`.", "And tell me if it works."):
        await alice.ok("message.send", {"room_id": room_id, "body": text, "client_id": f"c-{len(text)}"})
    await deps.scheduler.advance(1)
    [mail] = await smtp.wait(1)
    assert mail["To"] == "rita@example.org" and "reply" in mail["Subject"].lower()
    body = mail.get_payload(decode=True).decode()
    assert "make deploy" not in body, "the mail carries no chat text"
    token = re.search(r"https://help\.example\.org/\?resume=([A-Za-z0-9_-]+)", body)
    assert token is not None
    await deps.scheduler.advance(60)
    assert len(smtp.messages) == 1, "one mail per away spell, not one per message"

    # the link resumes the case: a session of the requester, who sees the reply
    status, resumed = await server.post("/api/resume", {"token": token.group(1)})
    assert status == 200 and resumed["case_id"] == case_id and resumed["account"]["id"] == rita.account["id"]  # type: ignore[attr-defined]
    back = await server.client(resumed["token"], "rita back")
    history = (await back.ok("room.history", {"room_id": room_id, "limit": 50}))["messages"]
    assert "Hi Rita, run `make deploy`." in [m["body"] for m in history]
    status, _ = await server.post("/api/resume", {"token": "forged-token"})
    assert status == 401
    clock.advance(days=1, seconds=1)
    status, _ = await server.post("/api/resume", {"token": token.group(1)})
    assert status == 401, "the link expires"


async def test_a_disconnect_still_abandons_when_the_queue_is_served_and_no_address_was_left(server: LiveServer) -> None:
    """The unchanged rule where the issue does not change it: someone is on duty, no way to reach them."""
    deps, clock = server.deps, server.clock
    assert deps is not None and clock is not None
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita")
    ruth = await server.requester("Ruth")
    ack = await rita.ok("help.request", {"topic": "general", "body": "q1"})
    ack2 = await ruth.ok("help.request", {"topic": "general", "body": "q2"})
    await ruth.ok("case.contact", {"case_id": ack2["case"]["id"], "email": "ruth@example.org"})
    await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == ack2["case"]["id"])
    await rita.close()
    await ruth.close()
    await alice.settle(0.2)
    clock.advance(minutes=3)
    assert await abandon.run_once(deps, clock.now()) == [ack["case"]["id"]], "the one who left an address stays"


async def test_a_scheduled_shift_start_brings_the_one_waiting_cases_alert(server: LiveServer) -> None:
    """Point 1's last sentence for shifts (no duty.set toggle): the alert comes when the shift begins, once,
    to the people coming on duty, listing what was waiting then."""
    deps, clock = server.deps, server.clock
    assert deps is not None and clock is not None
    dave = await server.staff("dave_admin", ["admin"])
    await server.create_account("alice_helper", ["helper"], display_name="Alice")
    await server.create_account("hank_helper", ["helper"], display_name="Hank")
    now = clock.now()
    for who, starts in (("alice_helper", 3600), ("hank_helper", 7200)):
        status, made = await server.post("/api/admin/shifts", {
            "username": who, "starts_at": iso(now + dt.timedelta(seconds=starts)),
            "ends_at": iso(now + dt.timedelta(seconds=starts + 4 * 3600))}, dave.token)
        assert status == 201, made
    alice = await server.client((await server.login("alice_helper"))["token"], "alice")
    hank = await server.client((await server.login("hank_helper"))["token"], "hank")
    rita = await server.requester("Rita")
    first = (await rita.ok("help.request", {"topic": "general", "body": "anyone there?"}))["case"]["id"]

    await deps.scheduler.advance(3600 - 30)
    await alice.settle(0.1)
    assert not alice.received("alert", lambda a: a["kind"] == "waiting_cases"), "not before the shift"
    await deps.scheduler.advance(45)  # alice's shift has begun: the alerts job notices
    waiting = await alice.wait_for("alert", lambda a: a["kind"] == "waiting_cases")
    assert [c["case_id"] for c in waiting["cases"]] == [first] and isinstance(waiting["id"], int)
    assert not hank.received("alert", lambda a: a["kind"] == "waiting_cases"), "hank is not on duty yet"

    ruth = await server.requester("Ruth")  # arrives during alice's shift: its own queue.alert, not a second list
    second = (await ruth.ok("help.request", {"topic": "general", "body": "me too"}))["case"]["id"]
    await deps.scheduler.advance(3600)  # hank's shift begins
    for_hank = await hank.wait_for("alert", lambda a: a["kind"] == "waiting_cases")
    assert [c["case_id"] for c in for_hank["cases"]] == [first, second]
    await deps.scheduler.advance(1800)
    await alice.settle(0.1)
    assert len(alice.received("alert", lambda a: a["kind"] == "waiting_cases")) == 1, "once per shift start"
    assert len(hank.received("alert", lambda a: a["kind"] == "waiting_cases")) == 1
