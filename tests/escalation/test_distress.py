"""Personal escalation: requester messages matching distress/quitting patterns alert the configured staff
at once; the requester never sees anything; staff can raise it by hand."""

from __future__ import annotations

import pytest

from server.actions.distress import Matcher
from server.config_sections.escalation import DEFAULT_PATTERNS
from tests.escalation.helpers import claimed_case, say
from tests.support import LiveServer

MUST_MATCH = [
    "I quit.",
    "honestly I'm going to QUIT this course",
    "I'm quitting tomorrow",
    "I think I will give up",
    "I am   giving\nup on this",
    "Maybe I should just drop out",
    "I want to leave the program",
    "I'm leaving",
    "Stop. This is too much.",
    "I want to unenroll",
    "how do I withdraw from the bootcamp",
    "I feel hopeless about this",
    "I can\u2019t do this anymore",         # curly apostrophe
    "i can't cope with the deadlines",
    "sometimes I feel suicidal",
    "I gave up yesterday",
]
MUST_NOT_MATCH = [
    "This exercise is quite hard",
    "my stopwatch app crashes",
    "the dropout layer in my model",
    "it's an unstoppable loop",
    "give me an upgrade please",
    "the giveaway link is broken",
    "the leaves are green in my CSS art",
    "my quitter function returns None",
    "what does the suicidal_tendencies variable do",
    "hope this helps",
    "I left the computer on",
    "Please update the docs",
]


@pytest.mark.parametrize("sentence", MUST_MATCH)
def test_default_patterns_match(sentence: str) -> None:
    assert Matcher(DEFAULT_PATTERNS).match(sentence) is not None


@pytest.mark.parametrize("sentence", MUST_NOT_MATCH)
def test_default_patterns_do_not_match(sentence: str) -> None:
    assert Matcher(DEFAULT_PATTERNS).match(sentence) is None


async def test_matching_requester_messages_alert_monitors_admins_and_the_case_helper_only(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    otto = await server.staff("otto_monitor", ["monitor"])  # off duty: not alerted by default
    dave = await server.staff("dave_admin", ["admin"])      # admins: always
    rita, case = await claimed_case(server, alice, body="hi, a question about loops")
    room = case["room_id"]
    sentences = MUST_MATCH[:6] + MUST_NOT_MATCH[:6]
    for s in sentences:
        await say(rita, room, s)
    await say(alice, room, "Please don't give up, we will stop the bug together")  # staff text never matches
    await say(alice, room, "whisper: she might quit", kind="whisper")

    expected = set(MUST_MATCH[:6])
    for watcher in (carol, dave):
        for s in expected:
            await watcher.wait_for("alert", lambda a, s=s: a["kind"] == "personal_escalation" and a["text"] == s)
    await carol.settle()
    for watcher in (carol, dave):
        got = [a for a in watcher.received("alert") if a["kind"] == "personal_escalation"]
        assert sorted(a["text"] for a in got) == sorted(expected), "exactly the matching messages"
        a = got[0]
        assert a["case_id"] == case["id"] and a["room_id"] == room and a["source"] == "auto"
        assert a["case_link"] == f"/console#case={case['id']}" and a["matched"] and a["message_id"]
        assert a["requester"]["display_name"] == "Rita"
    assert not otto.received("alert")
    # issue 12: the helper on the case is alerted too (escalation.personal_escalation.notify has `case`)
    assert sorted(a["text"] for a in alice.received("alert", lambda a: a["kind"] == "personal_escalation")) == sorted(expected)
    # the requester sees nothing of it: no alert, no note, nothing in history
    assert not rita.received("alert")
    assert not [m for m in rita.received("message")
                if m["kind"] == "note" or (m.get("meta") or {}).get("event") == "personal_escalation"]
    history = (await rita.ok("room.history", {"room_id": room, "limit": 100}))["messages"]
    assert all(m["kind"] in ("chat", "system") for m in history)
    assert not [m for m in history if "escalation" in (m["body"] or "").lower()]
    # the staff in the room see a note that monitors were alerted
    notes = [m for m in alice.received("message") if m["kind"] == "note"]
    assert len(notes) == len(expected)


async def test_staff_raise_a_personal_escalation_by_hand(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    bob = await server.staff("bob_helper", ["helper"])
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita, case = await claimed_case(server, alice)
    flag = {"case_id": case["id"], "kind": "personal_escalation", "note": "Sounds very stressed, please look in"}
    assert await bob.error("case.flag", flag) == "forbidden", "not in the case"
    assert await rita.error("case.flag", flag) == "forbidden"
    assert await alice.error("case.flag", {**flag, "kind": "other"}) == "invalid"
    assert await alice.error("case.flag", {**flag, "note": " "}) == "invalid"
    answer = await alice.ok("case.flag", flag)
    assert answer["alert"]["kind"] == "personal_escalation" and answer["alert"]["source"] == "manual"
    got = await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["note"] == flag["note"] and got["by"]["display_name"] == "Alice" and got["case_id"] == case["id"]
    await rita.settle()
    assert not rita.received("alert")
    assert not [m for m in rita.received("message") if "stressed" in (m["body"] or "")]


async def test_the_first_message_of_a_help_request_is_checked_too(server: LiveServer) -> None:
    """The request's body is the requester's first message: it is matched like every later one."""
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    rita = await server.requester("Rita")
    ack = await rita.ok("help.request", {"topic": "general", "body": "How do I drop out of the course?"})
    case_id, room_id = ack["case"]["id"], ack["room"]["id"]
    for watcher in (carol, dave):
        got = await watcher.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
        assert got["case_id"] == case_id and got["room_id"] == room_id and got["source"] == "auto"
        assert got["text"] == "How do I drop out of the course?" and got["matched"] == "drop out"
        assert got["requester"]["display_name"] == "Rita" and got["message_id"]
    # a first message that matches nothing alerts nobody
    rosa = await server.requester("Rosa")
    await rosa.ok("help.request", {"topic": "general", "body": "My stopwatch app crashes"})
    # the requester sees nothing of it; the staff who open the case find the note
    await carol.settle()
    assert len(carol.received("alert", lambda a: a["kind"] == "personal_escalation")) == 1
    assert not rita.received("alert") and not rosa.received("alert")
    history = (await rita.ok("room.history", {"room_id": room_id, "limit": 100}))["messages"]
    assert all(m["kind"] in ("chat", "system") for m in history)
    staff_view = (await carol.ok("room.history", {"room_id": room_id, "limit": 100}))["messages"]
    assert [m for m in staff_view if m["kind"] == "note" and (m.get("meta") or {}).get("event") == "personal_escalation"]
    status, report = await server.get("/api/admin/reports/escalations", dave.token)
    assert status == 200 and report["personal_escalations"]["auto"] == 1


async def test_a_sensitive_first_message_alerts_without_its_text(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita = await server.requester("Rita")
    await rita.ok("help.request", {"topic": "general", "body": "I give up, mail me at rita@example.com"})
    got = await carol.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["sensitive"] is True and got["text"] is None and got["matched"] == "give up"
    assert "rita@example.com" not in str(got)
