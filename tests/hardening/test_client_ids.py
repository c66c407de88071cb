"""client_id is the sender's idempotency key (issue 13 defect 12), and one bad message never fails the
group-commit batch it would have shared (defect 10).

A help.request repeated with its client_id (a retry after a lost ack) answers the case it opened, once;
a message.send reusing a client_id from another room is refused with `conflict`, never answered with the
other room's message while the new one is dropped."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.roles.helpers import ROLES_OVERRIDES
from tests.support import LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return ROLES_OVERRIDES


async def test_help_request_repeated_with_its_client_id_answers_the_same_case(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester()
    ask = {"topic": "general", "body": "my order is late", "client_id": "ask-1"}
    first = await rita.ok("help.request", ask)
    for _ in range(3):
        again = await rita.ok("help.request", ask)
        assert again["case"]["id"] == first["case"]["id"] and again["room"]["id"] == first["room"]["id"]
    queued = (await alice.ok("queue.list"))["cases"]
    assert [c["id"] for c in queued] == [first["case"]["id"]], "one case, not one per retry"
    history = (await rita.ok("room.history", {"room_id": first["room"]["id"]}))["messages"]
    assert [m["body"] for m in history if m["kind"] == "chat"] == ["my order is late"]
    # a new client_id is a new request
    other = await rita.ok("help.request", {**ask, "client_id": "ask-2"})
    assert other["case"]["id"] != first["case"]["id"]


async def test_help_request_with_a_client_id_used_for_a_message_is_refused(server: LiveServer) -> None:
    rita = await server.requester()
    first = await rita.ok("help.request", {"topic": "general", "body": "hello", "client_id": "ask-1"})
    await rita.ok("message.send", {"room_id": first["room"]["id"], "body": "more", "client_id": "m-1"})
    answer = await rita.call("help.request", {"topic": "general", "body": "again", "client_id": "m-1"})
    assert answer["ok"] is False and answer["error"]["code"] == "conflict", answer
    assert answer["error"]["field"] == "client_id"


async def test_a_client_id_reused_in_another_room_is_refused_not_answered_with_the_old_message(
        server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    one = (await alice.ok("room.create", {"name": "#one"}))["room"]["id"]
    two = (await alice.ok("room.create", {"name": "#two"}))["room"]["id"]
    sent = (await alice.ok("message.send", {"room_id": one, "body": "in one", "client_id": "c-1"}))["message"]
    # the same room: the first message again, no duplicate
    again = (await alice.ok("message.send", {"room_id": one, "body": "in one", "client_id": "c-1"}))["message"]
    assert again["id"] == sent["id"]
    answer = await alice.call("message.send", {"room_id": two, "body": "in two", "client_id": "c-1"})
    assert answer["ok"] is False and answer["error"]["code"] == "conflict", answer
    assert answer["error"]["field"] == "client_id" and "another room" in answer["error"]["message"]
    assert (await alice.ok("room.history", {"room_id": two}))["messages"] == []
    # both in one batch: the second is refused the same way
    a, b = await asyncio.gather(
        alice.call("message.send", {"room_id": one, "body": "x", "client_id": "c-2"}),
        alice.call("message.send", {"room_id": two, "body": "y", "client_id": "c-2"}))
    assert a["ok"] is True and b["ok"] is False and b["error"]["code"] == "conflict", (a, b)


async def test_bad_messages_never_fail_the_batch_they_arrive_with(server: LiveServer,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    room = (await alice.ok("room.create", {"name": "#ops"}))["room"]["id"]
    bad: list[dict[str, Any]] = [
        {"room_id": room, "body": "a\ud800", "client_id": "bad-1"},
        {"room_id": room, "body": "ok", "client_id": "\udfff"},
        {"room_id": 2**63, "body": "ok", "client_id": "bad-3"},
        {"room_id": room, "body": "ok", "client_id": "bad-4", "sensitive": 1},
    ]
    good = [{"room_id": room, "body": f"good {i}", "client_id": f"good-{i}"} for i in range(12)]
    with caplog.at_level(logging.WARNING, logger="livehelp.writer"):
        answers = await asyncio.gather(*(alice.call("message.send", p) for p in [*bad, *good]))
    assert all(a["ok"] is False and a["error"]["code"] == "invalid" for a in answers[:len(bad)]), answers
    assert all(a["ok"] is True for a in answers[len(bad):]), answers
    assert "batch failed" not in caplog.text
    seqs = sorted(a["message"]["seq"] for a in answers[len(bad):])
    assert seqs == list(range(seqs[0], seqs[0] + len(good)))


async def test_one_batch_of_team_case_and_sensitive_messages_stores_each_in_order(server: LiveServer) -> None:
    """On SQLite a batch's team-room messages take the writer's fast path and its case-room and sensitive
    ones the session path (two transactions): each is stored once, in seq order per room, the case's
    first response is recorded by the batch hook, and a client_id spanning both paths is still refused."""
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester()
    team = (await alice.ok("room.create", {"name": "#ops"}))["room"]["id"]
    ask = await rita.ok("help.request", {"topic": "general", "body": "hello", "client_id": "ask-1"})
    case_id, case_room = ask["case"]["id"], ask["room"]["id"]
    await alice.ok("case.claim", {"case_id": case_id})
    sends = [
        (alice, {"room_id": team, "body": "team 1", "client_id": "t-1"}),
        (alice, {"room_id": case_room, "body": "Hi Rita", "client_id": "c-1"}),
        (rita, {"room_id": case_room, "body": "my pin 4242", "client_id": "s-1", "sensitive": True}),
        (alice, {"room_id": team, "body": "team 2", "client_id": "t-2"}),
        (alice, {"room_id": case_room, "body": "reused", "client_id": "t-1"}),  # taken in the team room
    ]
    answers = await asyncio.gather(*(who.call("message.send", p) for who, p in sends))
    assert [a["ok"] for a in answers] == [True, True, True, True, False], answers
    assert answers[4]["error"]["code"] == "conflict" and answers[4]["error"]["field"] == "client_id"
    team_msgs = (await alice.ok("room.history", {"room_id": team}))["messages"]
    assert [m["body"] for m in team_msgs if m["kind"] == "chat"] == ["team 1", "team 2"]
    case_msgs = [m for m in (await alice.ok("room.history", {"room_id": case_room}))["messages"]]
    seqs = [m["seq"] for m in case_msgs]
    assert seqs == list(range(1, len(seqs) + 1)), "no gaps, no repeats"
    chats = [m for m in case_msgs if m["kind"] == "chat"]
    assert [m["body"] for m in chats[-2:]] == ["Hi Rita", "my pin 4242"] or \
        [m["body"] for m in chats[-2:]] == ["my pin 4242", "Hi Rita"]
    case = (await alice.ok("case.get", {"case_id": case_id}))["case"]
    assert case["first_response_at"] == answers[1]["message"]["created_at"]
    # retried after a lost ack: the stored message again, on either path
    again = await alice.call("message.send", sends[0][1])
    assert again["ok"] is True and again["message"]["id"] == answers[0]["message"]["id"]
