"""My shifts: each helper, trainee and monitor lists, adds, changes and removes their own shifts over REST;
the server refuses a change to someone else's (admins change anyone's) and bad input changes nothing."""

from __future__ import annotations

import datetime as dt

from server.clock import iso
from tests.helpdesk.desk import admin, request
from tests.support import LiveServer

H = dt.timedelta(hours=1)


async def test_a_helper_keeps_their_own_shifts_and_only_theirs(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_trainee", ["trainee"])
    dave = await admin(server)
    now = server.clock.now()
    start = now + 2 * H

    status, body, _ = await request(server, "POST", "/api/me/shifts", alice.token,
                                    {"starts_at": iso(start), "ends_at": iso(start + 4 * H), "note": "early"})
    assert status == 201, body
    mine = body["shift"]
    assert mine["account"]["username"] == "alice_helper" and mine["note"] == "early"
    status, body, _ = await request(server, "POST", "/api/me/shifts", bob.token,
                                    {"starts_at": iso(start), "ends_at": iso(start + H), "weekly": True})
    assert status == 201, body
    bobs = body["shift"]

    # Each sees only their own; the admin's calendar shows both.
    status, body, _ = await request(server, "GET", "/api/me/shifts", alice.token)
    assert status == 200 and [x["id"] for x in body["shifts"]] == [mine["id"]]
    status, body, _ = await request(server, "GET", "/api/admin/shifts", dave.token)
    assert {x["id"] for x in body["shifts"]} == {mine["id"], bobs["id"]}
    # With a window: each occurrence of the weekly shift in it.
    status, body, _ = await request(
        server, "GET", f"/api/me/shifts?from={iso(now)}&to={iso(now + dt.timedelta(days=14))}", bob.token)
    assert status == 200 and [x["starts_at"] for x in body["occurrences"]] == [
        iso(start), iso(start + dt.timedelta(days=7))]

    # Alice moves her shift an hour later; the stored row changes.
    status, body, _ = await request(server, "PATCH", f"/api/shifts/{mine['id']}", alice.token,
                                    {"starts_at": iso(start + H), "ends_at": iso(start + 5 * H)})
    assert status == 200, body
    assert body["shift"]["starts_at"] == iso(start + H) and body["shift"]["note"] == "early"

    # Alice cannot change or remove Bob's shift: refused with a sentence, nothing changed.
    status, body, _ = await request(server, "PATCH", f"/api/shifts/{bobs['id']}", alice.token,
                                    {"ends_at": iso(start + 9 * H)})
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert body["error"]["message"] == "you can change only your own shifts"
    status, body, _ = await request(server, "DELETE", f"/api/shifts/{bobs['id']}", alice.token)
    assert status == 403, body
    status, body, _ = await request(server, "GET", "/api/me/shifts", bob.token)
    assert [(x["id"], x["ends_at"]) for x in body["shifts"]] == [(bobs["id"], iso(start + H))]

    # The admin changes anyone's; Bob removes his own.
    status, body, _ = await request(server, "PATCH", f"/api/shifts/{bobs['id']}", dave.token,
                                    {"weekly": False, "note": "swap with Alice"})
    assert status == 200 and body["shift"]["weekly"] is False and body["shift"]["note"] == "swap with Alice"
    status, body, _ = await request(server, "DELETE", f"/api/shifts/{bobs['id']}", bob.token)
    assert status == 200, body
    status, body, _ = await request(server, "DELETE", f"/api/shifts/{bobs['id']}", bob.token)
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_bad_shift_input_is_refused_clearly_and_changes_nothing(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    start = server.clock.now() + H
    status, body, _ = await request(server, "POST", "/api/me/shifts", alice.token,
                                    {"starts_at": iso(start), "ends_at": iso(start + 2 * H)})
    assert status == 201
    shift_id = body["shift"]["id"]
    cases = [
        ("POST", "/api/me/shifts", {"starts_at": iso(start), "ends_at": iso(start - H)},
         "'ends_at' must be after 'starts_at'"),
        ("POST", "/api/me/shifts", {"starts_at": iso(start), "ends_at": iso(start + 40 * 24 * H)},
         "a shift lasts at most 31 days"),
        ("POST", "/api/me/shifts", {"starts_at": iso(start), "ends_at": iso(start + H), "account_id": 1},
         "'account_id' is not a known field"),
        ("PATCH", f"/api/shifts/{shift_id}", {"ends_at": iso(start - H)}, "'ends_at' must be after 'starts_at'"),
        ("PATCH", f"/api/shifts/{shift_id}", {"until": iso(start + 24 * H)}, "'until' is for weekly shifts"),
        ("PATCH", f"/api/shifts/{shift_id}", {"starts_at": None}, "'starts_at' cannot be cleared"),
        ("PATCH", f"/api/shifts/{shift_id}", {"starts_at": "tomorrow"}, "'starts_at'"),
    ]
    for method, path, payload, message in cases:
        status, body, _ = await request(server, method, path, alice.token, payload)
        assert status == 400 and body["error"]["code"] == "invalid", (payload, body)
        assert message in body["error"]["message"], (payload, body)
    status, body, _ = await request(server, "GET", "/api/me/shifts", alice.token)
    assert [(x["starts_at"], x["ends_at"], x["until"]) for x in body["shifts"]] == [
        (iso(start), iso(start + 2 * H), None)]


async def test_only_shift_roles_keep_shifts_and_guests_are_refused(server: LiveServer) -> None:
    dave = await admin(server)  # an admin only: not someone who works shifts
    start = server.clock.now() + H
    payload = {"starts_at": iso(start), "ends_at": iso(start + H)}
    status, body, _ = await request(server, "POST", "/api/me/shifts", dave.token, payload)
    assert status == 403 and body["error"]["message"] == "shifts are for helpers, trainees and monitors"
    guest = await server.requester("Rita")
    status, body, _ = await request(server, "GET", "/api/me/shifts", guest.token)
    assert status == 403, body
    status, body, _ = await request(server, "POST", "/api/me/shifts", None, payload)
    assert status == 401, body
