"""Every help desk action by a role that may not do it answers `forbidden` and changes nothing.

One server, one scenario (a queued case, an active case, the desk's canned responses and a shift), then
a table of (who, action); after each refused action the whole observable state is compared with before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from server.clock import iso
from tests.helpdesk.desk import ask, request
from tests.support import Client, LiveServer


async def snapshot(server: LiveServer, carol: Client, dave: Client, rita: Client) -> dict[str, Any]:
    _, cases = await server.get("/api/cases?status=queued,active,on_hold,resolved,abandoned", carol.token)
    _, canned, _ = await request(server, "GET", "/api/admin/canned", dave.token)
    _, shifts, _ = await request(server, "GET", "/api/admin/shifts", dave.token)
    _, rita_me = await server.get("/api/me", rita.token)
    rooms = {}
    for c in cases["cases"]:
        rooms[c["id"]] = (await carol.ok("room.history", {"room_id": c["room_id"], "limit": 200}))["messages"]
    return {"cases": cases["cases"], "canned": canned["canned"], "shifts": shifts["shifts"], "rooms": rooms,
            "rita": rita_me}


async def test_refused_actions_answer_forbidden_and_change_nothing(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_helper", ["helper"], on_duty=True)
    tom = await server.staff("tom_trainee", ["trainee"], on_duty=True)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    rita, queued = await ask(server, "Rita")
    rosa, active = await ask(server, "Rosa")
    olga = await server.requester("Olga")
    await alice.ok("case.claim", {"case_id": active["case"]["id"]})
    now = server.clock.now()
    status, made, _ = await request(server, "POST", "/api/admin/shifts", dave.token, {
        "username": "alice_helper", "starts_at": iso(now + dt.timedelta(hours=1)),
        "ends_at": iso(now + dt.timedelta(hours=2))})
    assert status == 201
    shift_id = made["shift"]["id"]
    q_id, a_id = queued["case"]["id"], active["case"]["id"]

    def sock(c: Client, event: str, payload: dict[str, Any]) -> Callable[[], Awaitable[str]]:
        return lambda: c.error(event, payload)

    def rest(c: Client | None, method: str, path: str, body: Any = None) -> Callable[[], Awaitable[str]]:
        async def go() -> str:
            status, answer, _ = await request(server, method, path, c.token if c else None, body)
            assert status in (401, 403), (method, path, status, answer)
            return answer["error"]["code"]  # type: ignore[no-any-return]
        return go

    shift_body = {"username": "bob_helper", "starts_at": iso(now), "ends_at": iso(now + dt.timedelta(hours=1))}
    table: list[tuple[str, Callable[[], Awaitable[str]]]] = [
        # the help desk flow over sockets
        ("staff open a help request", sock(alice, "help.request", {"topic": "general", "body": "hi"})),
        ("requester lists the queue", sock(rita, "queue.list", {})),
        ("admin-only lists the queue", sock(dave, "queue.list", {})),
        ("requester claims", sock(olga, "case.claim", {"case_id": q_id})),
        ("admin-only claims", sock(dave, "case.claim", {"case_id": q_id})),
        ("requester holds own case", sock(rosa, "case.hold", {"case_id": a_id})),
        ("other helper holds", sock(bob, "case.hold", {"case_id": a_id})),
        ("trainee holds", sock(tom, "case.hold", {"case_id": a_id})),
        ("admin-only holds", sock(dave, "case.hold", {"case_id": a_id})),
        ("requester resolves own case", sock(rosa, "case.resolve", {"case_id": a_id, "summary": "done"})),
        ("other helper resolves", sock(bob, "case.resolve", {"case_id": a_id})),
        ("trainee resolves", sock(tom, "case.resolve", {"case_id": a_id})),
        ("requester resumes", sock(rosa, "case.resume", {"case_id": a_id})),
        ("helper abandons a requester's case", sock(alice, "case.abandon", {"case_id": q_id})),
        ("monitor abandons a requester's case", sock(carol, "case.abandon", {"case_id": q_id})),
        ("another requester abandons", sock(olga, "case.abandon", {"case_id": q_id})),
        ("another requester asks for a place", sock(olga, "queue.position", {"case_id": q_id})),
        ("requester lists canned", sock(rita, "canned.list", {})),
        ("requester renders canned", sock(rita, "canned.render", {"shortcut": "hello", "case_id": q_id})),
        ("requester goes on duty", sock(rita, "duty.set", {"on_duty": True})),
        ("another requester chats in a case", sock(olga, "message.send", {"room_id": active["room"]["id"],
                                                                          "body": "x", "client_id": "o1"})),
        ("other helper chats in a case", sock(bob, "message.send", {"room_id": active["room"]["id"],
                                                                    "body": "x", "client_id": "b1"})),
        # desk administration over REST: admins only
        ("helper creates a shift", rest(alice, "POST", "/api/admin/shifts", shift_body)),
        ("monitor creates a shift", rest(carol, "POST", "/api/admin/shifts", shift_body)),
        ("requester creates a shift", rest(rita, "POST", "/api/admin/shifts", shift_body)),
        ("helper lists shifts", rest(alice, "GET", "/api/admin/shifts")),
        ("monitor deletes a shift", rest(carol, "DELETE", f"/api/admin/shifts/{shift_id}")),
        ("helper reads coverage", rest(alice, "GET", "/api/admin/coverage")),
        ("monitor reads coverage", rest(carol, "GET", "/api/admin/coverage?days=7")),
        ("helper lists canned (admin)", rest(alice, "GET", "/api/admin/canned")),
        ("helper adds canned", rest(alice, "POST", "/api/admin/canned", {"shortcut": "x", "text": "y"})),
        ("monitor edits canned", rest(carol, "PUT", "/api/admin/canned/hello", {"text": "changed"})),
        ("helper deletes canned", rest(alice, "DELETE", "/api/admin/canned/hello")),
        ("requester deletes canned", rest(rita, "DELETE", "/api/admin/canned/hello")),
        ("another requester downloads a transcript", rest(olga, "GET", f"/api/cases/{a_id}/transcript")),
        ("unassigned helper downloads a transcript", rest(bob, "GET", f"/api/cases/{a_id}/transcript")),
        ("trainee downloads a transcript", rest(tom, "GET", f"/api/cases/{a_id}/transcript")),
    ]
    unauthenticated = [
        ("no token: shifts", rest(None, "POST", "/api/admin/shifts", shift_body)),
        ("no token: transcript", rest(None, "GET", f"/api/cases/{a_id}/transcript")),
        ("no token: canned", rest(None, "GET", "/api/admin/canned")),
    ]

    before = await snapshot(server, carol, dave, rita)
    wrong: list[str] = []
    for label, act in table:
        code = await act()
        if code != "forbidden":
            wrong.append(f"{label}: {code}")
        after = await snapshot(server, carol, dave, rita)
        if after != before:
            wrong.append(f"{label}: changed state")
            before = after
    for label, act in unauthenticated:
        if (code := await act()) != "unauthenticated":
            wrong.append(f"{label}: {code}")
    assert not wrong, "\n".join(wrong)
    assert await snapshot(server, carol, dave, rita) == before

    # and the same actions by those who may do them succeed (the table is not vacuous)
    await carol.ok("case.hold", {"case_id": a_id})
    await alice.ok("case.resume", {"case_id": a_id})
    await rita.ok("queue.position", {"case_id": q_id})
    status, _, _ = await request(server, "GET", f"/api/cases/{a_id}/transcript", carol.token)
    assert status == 200
    status, _, _ = await request(server, "GET", f"/api/cases/{a_id}/transcript", rosa.token)
    assert status == 200
    await rita.ok("case.abandon", {"case_id": q_id})
