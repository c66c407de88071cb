"""Opening hours and the coverage calendar (shifts), the public status, off-hours requests, canned
responses, and the per-person case cap."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from server.clock import iso
from tests.helpdesk.desk import admin, ask, request
from tests.support import LiveServer

H = dt.timedelta(hours=1)


async def shift(server: LiveServer, token: str, username: str, start: dt.datetime, end: dt.datetime,
                **extra: Any) -> dict[str, Any]:
    status, body, _ = await request(server, "POST", "/api/admin/shifts", token,
                                    {"username": username, "starts_at": iso(start), "ends_at": iso(end), **extra})
    assert status == 201, body
    return body["shift"]  # type: ignore[no-any-return]


async def test_shift_makes_staff_on_duty_and_can_be_listed_and_deleted(server: LiveServer) -> None:
    dave = await admin(server)
    alice = await server.staff("alice_helper", ["helper"])
    now = server.clock.now()
    assert (await alice.ok("me"))["account"]["on_duty"] is False
    s = await shift(server, dave.token, "alice_helper", now - H, now + 7 * H, note="early")
    assert s["account"]["username"] == "alice_helper" and s["weekly"] is False
    assert (await alice.ok("me"))["account"]["on_duty"] is True
    status, body = await server.get("/api/status")
    assert status == 200 and body["on_duty"] is True and body["helpers_on_duty"] == 1

    status, listed, _ = await request(server, "GET", "/api/admin/shifts", dave.token)
    assert status == 200 and [x["id"] for x in listed["shifts"]] == [s["id"]]
    server.clock.advance(hours=7)  # the shift is over
    assert (await alice.ok("me"))["account"]["on_duty"] is False
    server.clock.advance(hours=-7)
    status, _, _ = await request(server, "DELETE", f"/api/admin/shifts/{s['id']}", dave.token)
    assert status == 200
    assert (await alice.ok("me"))["account"]["on_duty"] is False
    status, body, _ = await request(server, "DELETE", f"/api/admin/shifts/{s['id']}", dave.token)
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_weekly_shift_repeats_until_its_end(server: LiveServer) -> None:
    dave = await admin(server)
    alice = await server.staff("alice_helper", ["helper"])
    now = server.clock.now()  # Monday 09:00 UTC
    first = now - dt.timedelta(days=14, hours=1)  # Mondays 08:00-12:00, from two weeks ago
    await shift(server, dave.token, "alice_helper", first, first + 4 * H, weekly=True,
                until=iso(now + dt.timedelta(days=8)))
    assert (await alice.ok("me"))["account"]["on_duty"] is True
    server.clock.advance(hours=4)
    assert (await alice.ok("me"))["account"]["on_duty"] is False
    server.clock.advance(days=7, hours=-4)  # next Monday 09:00
    assert (await alice.ok("me"))["account"]["on_duty"] is True
    server.clock.advance(days=7)  # past `until`
    assert (await alice.ok("me"))["account"]["on_duty"] is False

    status, listed, _ = await request(
        server, "GET", f"/api/admin/shifts?from={iso(now)}&to={iso(now + dt.timedelta(days=14))}", dave.token)
    assert status == 200
    # the occurrence under way and next week's; the one after is past `until`
    assert [x["starts_at"] for x in listed["shifts"]] == [iso(now - H), iso(now + dt.timedelta(days=7) - H)]
    assert {x["first_starts_at"] for x in listed["shifts"]} == {iso(first)}


async def test_off_hours_request_is_queued_with_a_notice(server: LiveServer) -> None:
    dave = await admin(server)
    await server.staff("alice_helper", ["helper"])  # not on duty, no shift yet
    status, body = await server.get("/api/status")
    assert body["on_duty"] is False and body["helpers_on_duty"] == 0 and body["next_shift_at"] is None
    assert body["default_topic"] == "general" and body["topics"][0]["name"] == "general"

    rita, ack = await ask(server)
    assert ack["off_hours"] is True and ack["position"] == 1
    assert ack["expected_wait_seconds"] is None  # nobody scheduled: unknown
    note = await rita.wait_for("message", lambda m: m["kind"] == "system" and m["meta"]["event"] == "off_hours")
    assert "queued" in note["body"]

    start = server.clock.now() + 8 * H
    await shift(server, dave.token, "alice_helper", start, start + 8 * H)
    status, body = await server.get("/api/status")
    assert body["on_duty"] is False and body["next_shift_at"] == iso(start)
    _, ack = await ask(server, "Rosa")
    assert ack["off_hours"] is True and ack["next_shift_at"] == iso(start)
    assert ack["expected_wait_seconds"] == 8 * 3600 + 2 * 180  # until the shift, then two places
    # the queue is there for the next shift
    server.clock.advance(hours=8)
    alice_session = await server.login("alice_helper")
    alice = await server.client(alice_session["token"], "alice")
    queued = (await alice.ok("queue.list"))["cases"]
    assert [c["requester"]["display_name"] for c in queued] == ["Rita", "Rosa"]
    await alice.ok("case.claim", {"case_id": queued[0]["id"]})


async def test_waiting_requesters_learn_live_when_someone_comes_on_duty(server: LiveServer) -> None:
    """The expected wait follows the desk's duty: a toggle tells waiting requesters at once, a shift that
    begins or ends on its own is noticed by the periodic job."""
    from server.wiring.helpdesk import run_jobs

    dave = await admin(server)
    alice = await server.staff("alice_helper", ["helper"])
    await server.staff("bob_helper", ["helper"])
    rita, ack = await ask(server)
    ruth, ack2 = await ask(server, "Ruth")
    assert ack["off_hours"] is True and ack["expected_wait_seconds"] is None
    waits = lambda c: [p["expected_wait_seconds"] for p in c.received("queue.position")]  # noqa: E731

    await alice.ok("duty.set", {"on_duty": True})
    assert await rita.wait_for("queue.position", lambda p: p["expected_wait_seconds"] == 180) == {
        "case_id": ack["case"]["id"], "position": 1, "expected_wait_seconds": 180}
    p2 = await ruth.wait_for("queue.position", lambda p: p["expected_wait_seconds"] is not None)
    assert p2 == {"case_id": ack2["case"]["id"], "position": 2, "expected_wait_seconds": 360}
    await alice.ok("duty.set", {"on_duty": True})  # nothing changed: nothing sent
    await alice.ok("duty.set", {"on_duty": False})
    await rita.wait_for("queue.position", lambda p: len(waits(rita)) == 3)
    await rita.settle()
    assert waits(rita) == [None, 180, None] and waits(ruth) == [None, 360, None]

    # a shift: scheduled (the job sees the next shift), begun (someone is there), ended (off hours again)
    start = server.clock.now() + 2 * H
    await shift(server, dave.token, "bob_helper", start, start + H)
    assert await run_jobs(server.deps, server.clock.now()) == {  # type: ignore[arg-type]
        "sla": [], "auto_close": {"warned": [], "closed": []}, "abandon": [], "reroute": [], "outlook": ["general"]}
    await rita.wait_for("queue.position", lambda p: len(waits(rita)) == 4)
    server.clock.advance(hours=2)
    assert (await run_jobs(server.deps, server.clock.now()))["outlook"] == ["general"]  # type: ignore[arg-type]
    await rita.wait_for("queue.position", lambda p: len(waits(rita)) == 5)
    assert (await run_jobs(server.deps, server.clock.now()))["outlook"] == []  # type: ignore[arg-type]
    server.clock.advance(hours=1)
    assert (await run_jobs(server.deps, server.clock.now()))["outlook"] == ["general"]  # type: ignore[arg-type]
    await rita.wait_for("queue.position", lambda p: len(waits(rita)) == 6)
    await rita.settle()
    assert waits(rita) == [None, 180, None, 2 * 3600 + 180, 180, None]


async def test_off_hours_waits_stay_out_of_the_expected_wait(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    _, ack = await ask(server)  # off hours
    server.clock.advance(hours=10)
    await alice.ok("duty.set", {"on_duty": True})
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    _, ack = await ask(server, "Rosa")
    assert ack["off_hours"] is False and ack["expected_wait_seconds"] == 180  # still the default


async def test_coverage_report_shows_the_unscheduled_hours(server: LiveServer) -> None:
    dave = await admin(server)
    await server.staff("alice_helper", ["helper"])
    await server.staff("bob_trainee", ["trainee"])
    await server.staff("carol_monitor", ["monitor"])
    monday = dt.datetime(2026, 1, 12, tzinfo=dt.timezone.utc)
    # Mondays 09-17 (alice, weekly) and 17-21 (bob); Tuesday 09:00-09:30 (not a whole hour);
    # a monitor's shift does not answer requests
    await shift(server, dave.token, "alice_helper", monday + 9 * H, monday + 17 * H, weekly=True)
    await shift(server, dave.token, "bob_trainee", monday + 17 * H, monday + 21 * H)
    await shift(server, dave.token, "alice_helper", monday + 33 * H, monday + 33.5 * H)
    await shift(server, dave.token, "carol_monitor", monday + 48 * H, monday + 72 * H)
    status, report, _ = await request(server, "GET", f"/api/admin/coverage?from={iso(monday)}&days=7", dave.token)
    assert status == 200, report
    assert report["hours"] == 168 and report["covered_hours"] == 12 and report["uncovered_hours"] == 156
    assert report["gaps"][0] == {"starts_at": iso(monday), "ends_at": iso(monday + 9 * H), "hours": 9}
    assert report["gaps"][1] == {"starts_at": iso(monday + 21 * H), "ends_at": iso(monday + 168 * H), "hours": 147}
    assert iso(monday + 33 * H) in report["uncovered"] and iso(monday + 9 * H) not in report["uncovered"]
    # default: from this hour, for 7 days
    status, report, _ = await request(server, "GET", "/api/admin/coverage", dave.token)
    assert status == 200 and report["from"] == iso(server.clock.now()) and report["hours"] == 168
    status, body, _ = await request(server, "GET", "/api/admin/coverage?days=99", dave.token)
    assert status == 400 and body["error"]["code"] == "invalid"


@pytest.mark.parametrize("body,field", [
    ({"username": "alice_helper", "starts_at": "2026-01-05T10:00:00Z", "ends_at": "2026-01-05T09:00:00Z"}, "ends_at"),
    ({"username": "alice_helper", "starts_at": "yesterday", "ends_at": "2026-01-05T09:00:00Z"}, "starts_at"),
    ({"username": "alice_helper", "starts_at": "2026-01-05T10:00:00Z"}, "ends_at"),
    ({"username": "alice_helper", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-09T00:00:00Z",
      "weekly": True}, "ends_at"),
    ({"username": "rita", "starts_at": "2026-01-05T10:00:00Z", "ends_at": "2026-01-05T12:00:00Z"}, None),
    ({"starts_at": "2026-01-05T10:00:00Z", "ends_at": "2026-01-05T12:00:00Z"}, "account_id"),
])
async def test_bad_shifts_are_refused(server: LiveServer, body: dict[str, Any], field: str | None) -> None:
    dave = await admin(server)
    await server.staff("alice_helper", ["helper"])
    status, answer, _ = await request(server, "POST", "/api/admin/shifts", dave.token, body)
    assert status in (400, 404), answer
    if field:
        assert answer["error"]["field"] == field
    status, listed, _ = await request(server, "GET", "/api/admin/shifts", dave.token)
    assert listed["shifts"] == []


async def test_canned_responses_seeded_listed_rendered_and_managed(server: LiveServer, start_server: Any,
                                                                  config: Any) -> None:
    dave = await admin(server)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    rita, ack = await ask(server, "Rita")
    canned = (await alice.ok("canned.list"))["canned"]
    shortcuts = [c["shortcut"] for c in canned]
    assert {"hello", "looking", "bye"} <= set(shortcuts) and shortcuts == sorted(shortcuts)
    assert (await bob.ok("canned.list"))["canned"] == canned  # trainees use them too
    text = (await alice.ok("canned.render", {"shortcut": "hello", "case_id": ack["case"]["id"]}))["text"]
    assert text == "Hi Rita, I'm Alice. How can I help you today?"
    assert (await alice.ok("canned.render", {"shortcut": ";looking", "case_id": ack["case"]["id"]}))["text"] \
        .startswith("Thanks, Rita. We are looking into it")

    # admins manage them
    status, body, _ = await request(server, "POST", "/api/admin/canned", dave.token,
                                    {"shortcut": "Refund", "text": "Your refund for case {case_id} is on its way, {requester_name}. {unknown}"})
    assert status == 201 and body["canned"]["shortcut"] == "refund"
    got = (await alice.ok("canned.render", {"shortcut": "refund", "case_id": ack["case"]["id"]}))["text"]
    assert got == f"Your refund for case {ack['case']['id']} is on its way, Rita. {{unknown}}"
    status, body, _ = await request(server, "POST", "/api/admin/canned", dave.token,
                                    {"shortcut": "refund", "text": "Refund sent."})
    assert status == 200 and body["canned"]["text"] == "Refund sent."
    status, body, _ = await request(server, "PUT", "/api/admin/canned/refund", dave.token, {"shortcut": "refunded"})
    assert status == 200 and body["canned"]["shortcut"] == "refunded"
    status, body, _ = await request(server, "PUT", "/api/admin/canned/refunded", dave.token, {"shortcut": "hello"})
    assert status == 409 and body["error"]["code"] == "conflict"
    status, _, _ = await request(server, "DELETE", "/api/admin/canned/hello", dave.token)
    assert status == 200
    status, listed, _ = await request(server, "GET", "/api/admin/canned", dave.token)
    assert "hello" not in [c["shortcut"] for c in listed["canned"]]
    assert "refunded" in [c["shortcut"] for c in listed["canned"]]
    assert await alice.error("canned.render", {"shortcut": "hello", "case_id": ack["case"]["id"]}) == "not_found"
    assert await alice.error("canned.render", {"shortcut": "bye", "case_id": 99999}) == "not_found"
    assert await alice.error("canned.render", {"shortcut": "bad shortcut!", "case_id": ack["case"]["id"]}) == "invalid"

    # a restart does not bring a deleted default back
    again = await start_server(config)
    await again.login("dave_admin")
    status, listed, _ = await request(again, "GET", "/api/admin/canned", dave.token)
    assert status == 200 and "hello" not in [c["shortcut"] for c in listed["canned"]]


@pytest.fixture
def helpdesk_overrides() -> dict[str, Any]:
    return {"helpdesk": {"max_open_cases": 2}}


async def test_case_cap_refuses_a_claim_past_it_and_monitors_are_exempt(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    acks = [(await ask(server, f"R{i}"))[1] for i in range(6)]
    ids = [a["case"]["id"] for a in acks]
    await alice.ok("case.claim", {"case_id": ids[0]})
    await alice.ok("case.claim", {"case_id": ids[1]})
    await alice.ok("case.hold", {"case_id": ids[1]})  # on hold still counts
    assert await alice.error("case.claim", {"case_id": ids[2]}) == "forbidden"
    queued = [c["id"] for c in (await alice.ok("queue.list"))["cases"]]
    assert ids[2] in queued, "a refused claim changes nothing"
    await alice.ok("case.resolve", {"case_id": ids[0]})
    await alice.ok("case.claim", {"case_id": ids[2]})
    for i in (3, 4, 5):  # monitors are exempt
        await carol.ok("case.claim", {"case_id": ids[i]})


async def test_case_cap_holds_under_concurrent_claims(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    ids = [(await ask(server, f"R{i}"))[1]["case"]["id"] for i in range(5)]
    answers = await asyncio.gather(*[alice.call("case.claim", {"case_id": i}) for i in ids])
    assert sum(1 for a in answers if a["ok"]) == 2
    assert sorted(a["error"]["code"] for a in answers if not a["ok"]) == ["forbidden"] * 3
    assert len((await alice.ok("queue.list"))["cases"]) == 3


async def test_many_staff_only_serving_shifts_count(server: LiveServer) -> None:
    """With more staff than duty.SQL_ID_LIST_MAX the shifts are filtered by account in Python, not in SQL:
    the queue's outlook still counts only its serving staff's shifts (a monitor's earlier shift is not a
    helper coming on duty)."""
    from server.storage.duty import SQL_ID_LIST_MAX

    dave = await admin(server)
    helpers = [f"h{i:02d}_helper" for i in range(SQL_ID_LIST_MAX + 5)]
    for name in helpers:
        await server.create_account(name, ["helper"])
    await server.staff("mona_monitor", ["monitor"])
    now = server.clock.now()
    await shift(server, dave.token, "mona_monitor", now + 2 * H, now + 10 * H)
    await shift(server, dave.token, helpers[-1], now + 4 * H, now + 8 * H)

    status, body = await server.get("/api/status")
    assert status == 200 and body["on_duty"] is False
    assert body["next_shift_at"] == iso(now + 4 * H), "the monitor's shift at +2 h serves no queue"
    server.clock.advance(hours=3)
    _, body = await server.get("/api/status")
    assert body["on_duty"] is False and body["helpers_on_duty"] == 0, "only the monitor is on shift"
    server.clock.advance(hours=2)
    _, body = await server.get("/api/status")
    assert body["on_duty"] is True and body["helpers_on_duty"] == 1
