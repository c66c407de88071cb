"""The periodic jobs with an injected clock: SLA alerts, on-hold auto-close, abandon after the grace.

The background loop is off in these tests (jobs_interval 0); each test advances the FakeClock and calls
the job's run_once with the running server's deps, then watches what real clients receive.
"""

from __future__ import annotations

import datetime as dt

from roles.facts import CaseFacts
from roles.policy import autoclose_exempt
from server.actions import abandon, autoclose, sla
from server.deps import Deps
from server.wiring.helpdesk import run_jobs
from tests.helpdesk.desk import ask, case_of, leave, say
from tests.support import LiveServer


def sla_alerts(c, case_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [a["level"] for a in c.received("alert", lambda a: a["kind"] == "sla_breach" and a["case_id"] == case_id)]


async def test_sla_warning_then_goal_once_each_to_on_duty_monitors(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=False)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server)
    case_id = ack["case"]["id"]
    deps = server.deps
    assert deps is not None

    server.clock.advance(minutes=9, seconds=59)
    assert await sla.run_once(deps, server.clock.now()) == []
    server.clock.advance(seconds=1)  # 10 minutes without a first response
    raised = await sla.run_once(deps, server.clock.now())
    assert [(b.case_id, b.key) for b in raised] == [(case_id, "warning")]
    alert = await carol.wait_for("alert", lambda a: a["kind"] == "sla_breach")
    assert alert["case_id"] == case_id and alert["level"] == "warning" and alert["sla"] == "first_response"
    assert alert["threshold_seconds"] == 600 and alert["waited_seconds"] == 600 and alert["status"] == "queued"

    # claimed is not answered: the clock keeps running until the first staff chat
    await alice.ok("case.claim", {"case_id": case_id})
    server.clock.advance(minutes=30)
    assert await sla.run_once(deps, server.clock.now()) == []  # the warning is not repeated
    server.clock.advance(minutes=20)  # 60 minutes
    await run_jobs(deps, server.clock.now())
    await carol.wait_for("alert", lambda a: a.get("level") == "goal")
    await sla.run_once(deps, server.clock.now())
    for c in (carol, mona, alice, rita):
        await c.settle(0.1)
    assert sla_alerts(carol, case_id) == ["warning", "goal"]
    assert sla_alerts(mona, case_id) == [] and sla_alerts(alice, case_id) == [] and sla_alerts(rita, case_id) == []


async def test_answered_and_closed_cases_raise_no_sla_alert(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    _, answered = await ask(server, "Rita")
    rosa, withdrawn = await ask(server, "Rosa")
    await alice.ok("case.claim", {"case_id": answered["case"]["id"]})
    await say(alice, answered["room"]["id"], "Hello, I'm here")
    await rosa.ok("case.abandon", {"case_id": withdrawn["case"]["id"]})
    server.clock.advance(hours=2)
    assert await sla.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    await carol.settle()
    assert carol.received("alert") == []


async def test_other_areas_add_their_own_sla_checks(server: LiveServer) -> None:
    """The escalation area adds route SLAs this way: its own keys, its own recipients."""
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    _, ack = await ask(server)
    case_id = ack["case"]["id"]

    async def route_check(s, deps: Deps, now: dt.datetime) -> list[sla.Breach]:  # type: ignore[no-untyped-def]
        return [sla.Breach(case_id, "route:goal", {"level": "goal", "sla": "route", "route": "social"},
                           to=(f"account:{alice.account['id']}",))]  # type: ignore[attr-defined]

    sla.register_check(server.deps, route_check)  # type: ignore[arg-type]
    raised = await sla.run_once(server.deps, server.clock.now())  # type: ignore[arg-type]
    assert [b.key for b in raised] == ["route:goal"]
    got = await alice.wait_for("alert", lambda a: a["kind"] == "sla_breach")
    # issue 12: alerts are stored, so the event also carries the stored row's fields (id, severity, times)
    stored = {"id", "severity", "created_at", "delivered_at", "acknowledged_at", "acknowledged_by"}
    assert {k: v for k, v in got.items() if k not in stored} == {
        "kind": "sla_breach", "case_id": case_id, "level": "goal", "sla": "route", "route": "social"}
    assert isinstance(got["id"], int) and got["acknowledged_at"] is None
    assert await sla.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    await carol.settle()
    assert carol.received("alert") == []


async def on_hold_case(server: LiveServer) -> tuple[object, object, dict, int]:  # type: ignore[type-arg]
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server)
    case_id, room_id = ack["case"]["id"], ack["room"]["id"]
    await alice.ok("case.claim", {"case_id": case_id})
    await say(alice, room_id, "One moment please")
    await alice.ok("case.hold", {"case_id": case_id})
    return alice, rita, ack, room_id


async def test_on_hold_case_gets_a_notice_then_closes(server: LiveServer) -> None:
    alice, rita, ack, room_id = await on_hold_case(server)
    case_id = ack["case"]["id"]
    deps = server.deps
    assert deps is not None
    notice = lambda m: m["kind"] == "system" and "will close in 10 minutes" in (m["body"] or "")  # noqa: E731

    server.clock.advance(minutes=49)
    assert await autoclose.run_once(deps, server.clock.now()) == {"warned": [], "closed": []}
    server.clock.advance(minutes=1)  # 50 quiet minutes: the notice
    assert await autoclose.run_once(deps, server.clock.now()) == {"warned": [case_id], "closed": []}
    await rita.wait_for("message", notice)
    assert await autoclose.run_once(deps, server.clock.now()) == {"warned": [], "closed": []}  # once
    server.clock.advance(minutes=9, seconds=59)
    assert (await autoclose.run_once(deps, server.clock.now()))["closed"] == []
    server.clock.advance(seconds=1)  # 60 quiet minutes, the notice 10 minutes old
    assert await autoclose.run_once(deps, server.clock.now()) == {"warned": [], "closed": [case_id]}
    closed = await rita.wait_for("case.updated", lambda c: c["id"] == case_id and c["status"] == "resolved")
    assert closed["closed_at"] is not None
    await rita.wait_for("message", lambda m: m["kind"] == "system" and "closed after 60 minutes" in (m["body"] or ""))
    assert (await case_of(alice, case_id))["status"] == "resolved"  # type: ignore[attr-defined]
    assert len(rita.received("message", notice)) == 1


async def test_a_chat_after_the_notice_keeps_the_case_open(server: LiveServer) -> None:
    alice, rita, ack, room_id = await on_hold_case(server)
    case_id = ack["case"]["id"]
    deps = server.deps
    assert deps is not None
    server.clock.advance(minutes=50)
    assert (await autoclose.run_once(deps, server.clock.now()))["warned"] == [case_id]
    server.clock.advance(minutes=5)
    await say(rita, room_id, "still here!")  # type: ignore[arg-type]
    server.clock.advance(minutes=10)
    assert await autoclose.run_once(deps, server.clock.now()) == {"warned": [], "closed": []}
    assert (await case_of(alice, case_id))["status"] == "on_hold"  # type: ignore[arg-type]
    server.clock.advance(minutes=40)  # 50 quiet minutes since her message: a fresh notice
    assert (await autoclose.run_once(deps, server.clock.now()))["warned"] == [case_id]
    server.clock.advance(minutes=10)
    assert (await autoclose.run_once(deps, server.clock.now()))["closed"] == [case_id]


async def test_a_job_that_was_down_never_closes_without_notice(server: LiveServer) -> None:
    alice, rita, ack, _ = await on_hold_case(server)
    case_id = ack["case"]["id"]
    server.clock.advance(hours=5)
    assert await autoclose.run_once(server.deps, server.clock.now()) == {"warned": [case_id], "closed": []}  # type: ignore[arg-type]
    await rita.wait_for("message", lambda m: "will close in 10 minutes" in (m["body"] or ""))  # type: ignore[attr-defined]
    server.clock.advance(minutes=10)
    assert (await autoclose.run_once(server.deps, server.clock.now()))["closed"] == [case_id]  # type: ignore[arg-type]


async def test_active_cases_never_auto_close(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    _, ack = await ask(server)
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    server.clock.advance(days=2)
    assert await autoclose.run_once(server.deps, server.clock.now()) == {"warned": [], "closed": []}  # type: ignore[arg-type]


def test_autoclose_exemption_is_one_rule() -> None:
    base = dict(id=1, requester_id=2, helper_id=3)
    assert not autoclose_exempt(CaseFacts(status="on_hold", **base))  # type: ignore[arg-type]
    assert autoclose_exempt(CaseFacts(status="escalated", **base))  # type: ignore[arg-type]
    assert autoclose_exempt(CaseFacts(status="on_hold", escalation_team="escalation-social", **base))  # type: ignore[arg-type]
    assert autoclose_exempt(CaseFacts(status="on_hold", awaiting_experts=True, **base))  # type: ignore[arg-type]
    assert not autoclose_exempt(CaseFacts(status="on_hold", expert_teams=frozenset({"experts:data"}), **base))  # type: ignore[arg-type]


async def test_requester_who_leaves_the_queue_is_abandoned_after_the_grace(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server, "Rita")
    ruth, ack2 = await ask(server, "Ruth")
    case_id = ack["case"]["id"]
    await alice.wait_for("queue.alert", lambda a: a["case"]["id"] == case_id)
    await leave(server, rita, case_id)
    server.clock.advance(minutes=1, seconds=59)
    assert await abandon.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    server.clock.advance(seconds=1)
    assert await abandon.run_once(server.deps, server.clock.now()) == [case_id]  # type: ignore[arg-type]
    gone = await alice.wait_for("case.updated", lambda c: c["id"] == case_id and c["status"] == "abandoned")
    assert gone["closed_at"] is not None
    await ruth.wait_for("queue.position", lambda p: p["case_id"] == ack2["case"]["id"] and p["position"] == 1)
    assert (await alice.ok("queue.list"))["cases"][0]["id"] == ack2["case"]["id"]


async def test_requester_who_comes_back_in_time_keeps_their_place(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server, "Rita")
    case_id = ack["case"]["id"]
    await leave(server, rita, case_id)
    server.clock.advance(seconds=30)
    back = await server.client(rita.token, "rita again")  # a page reload
    server.clock.advance(minutes=5)
    assert await abandon.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    assert (await case_of(alice, case_id))["status"] == "queued"
    # leaving again later starts a new grace period from then
    await leave(server, back, case_id)
    server.clock.advance(minutes=1)
    assert await abandon.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    server.clock.advance(minutes=1)
    assert await abandon.run_once(server.deps, server.clock.now()) == [case_id]  # type: ignore[arg-type]


async def test_claimed_case_is_not_abandoned_when_the_requester_leaves(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server)
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    await rita.close()
    await rita.settle()
    server.clock.advance(hours=1)
    assert await abandon.run_once(server.deps, server.clock.now()) == []  # type: ignore[arg-type]
    assert (await case_of(alice, ack["case"]["id"]))["status"] == "active"


async def test_explicit_abandon_only_while_queued(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita, ack = await ask(server)
    rosa, ack2 = await ask(server, "Rosa")
    await alice.ok("case.claim", {"case_id": ack["case"]["id"]})
    assert await rita.error("case.abandon", {"case_id": ack["case"]["id"]}) == "conflict"
    gone = (await rosa.ok("case.abandon", {"case_id": ack2["case"]["id"]}))["case"]
    assert gone["status"] == "abandoned" and gone["monitor"] is None
    await rosa.wait_for("message", lambda m: "withdrawn" in (m["body"] or ""))
    assert await rosa.error("case.abandon", {"case_id": ack2["case"]["id"]}) == "conflict"
    # a closed case takes no more chat
    assert await rosa.error("message.send", {"room_id": ack2["room"]["id"], "body": "hi", "client_id": "x"}) == "forbidden"
