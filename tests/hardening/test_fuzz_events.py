"""Fuzzing every socket event (issue 13, standing invariant): a fixed seed, at least 2,000 malformed
payloads spread over every event name in the registry, sent by staff and by a requester. Every one is
answered with the envelope, none is an internal error, no connection drops, and the server is usable
after. Huge integers, lone surrogates and deep nesting are the schemas work (issue 13 defects 10-12):
they have their own test below."""

from __future__ import annotations

import json
import random
from typing import Any

import aiohttp
import pytest

from server.socket import handlers  # noqa: F401  (fills the registry)
from server.socket.registry import EVENTS
from tests.roles.helpers import open_case
from tests.support import Client, LiveServer, RawSocket

SEED = 20261205
PAYLOADS = 2200
CODES = {"unauthenticated", "forbidden", "not_found", "invalid", "conflict", "rate_limited", "unavailable"}
FIELDS = ["case_id", "room_id", "body", "client_id", "kind", "sensitive", "since", "topic", "on_duty", "name",
          "route", "note", "priority", "checklist", "team", "to_account_id", "queue", "summary", "after",
          "before", "limit", "id", "unacknowledged", "trainee_id", "account_id", "reason", "text", "query"]


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"limits": {"events_burst": 100000, "events_per_second": 100000}}


def scalar(rng: random.Random, known: list[int]) -> Any:
    return rng.choice([
        lambda: rng.choice(known), lambda: rng.randint(-5, 5), lambda: rng.randint(-2**31, 2**31),
        lambda: rng.random() * 1e6, lambda: float("1e300"), lambda: True, lambda: False, lambda: None,
        lambda: "", lambda: "x" * rng.randint(1, 5000), lambda: "#room-" + str(rng.randint(0, 99)),
        lambda: "ünïcødé ✓ \u202e", lambda: "chat", lambda: "whisper", lambda: "note", lambda: "general",
        lambda: "\x00\x01\r\n", lambda: str(rng.choice(known)), lambda: "2026-01-01T00:00:00Z",
    ])()


def value(rng: random.Random, known: list[int], depth: int = 0) -> Any:
    r = rng.random()
    if depth < 3 and r < 0.12:
        return [value(rng, known, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 3 and r < 0.22:
        return {rng.choice(FIELDS + ["x", "1", str(rng.choice(known))]): value(rng, known, depth + 1)
                for _ in range(rng.randint(0, 4))}
    return scalar(rng, known)


def payload(rng: random.Random, known: list[int]) -> Any:
    r = rng.random()
    if r < 0.1:  # not an object at all
        return rng.choice([1, "text", [1, 2], True, 3.5, [], ""])
    return {rng.choice(FIELDS): value(rng, known) for _ in range(rng.randint(0, 6))}


def check(answer: Any, event: str, sent: Any) -> None:
    assert isinstance(answer, dict) and isinstance(answer.get("ok"), bool), (event, sent, answer)
    if not answer["ok"]:
        err = answer.get("error")
        assert isinstance(err, dict) and err.get("code") in CODES and isinstance(err.get("message"), str), \
            (event, sent, answer)
        assert "internal error" not in err["message"], (event, repr(sent)[:300], answer)


async def test_fuzz_every_event(server: LiveServer) -> None:
    staff = await server.staff("alice_helper", ["helper", "monitor", "admin"], on_duty=True)
    rita, case, room_id = await open_case(server)
    known = [case["id"], room_id, 1, 2, 0, staff.account["id"], rita.account["id"]]  # type: ignore[attr-defined]
    rng = random.Random(SEED)
    names = sorted(EVENTS)
    assert len(names) >= 20
    sent = 0
    for i in range(PAYLOADS):
        event = names[i % len(names)]
        who: Client = staff if rng.random() < 0.7 else rita
        body = payload(rng, known)
        check(await who.call(event, body, timeout=15), event, body)
        sent += 1
    assert sent >= 2000
    assert staff.sio.connected and rita.sio.connected, "a fuzzed payload dropped a connection"
    # usable after: a new requester is helped, messages flow
    assert (await staff.call("me"))["ok"]
    rosa, case2, room2 = await open_case(server, body="still works?")
    await staff.ok("case.claim", {"case_id": case2["id"]})
    await staff.ok("message.send", {"room_id": room2, "body": "yes", "client_id": "after-fuzz"})
    await rosa.wait_for("message", lambda m: m["body"] == "yes")


async def test_fuzz_schema_edge_values(server: LiveServer) -> None:
    """Integers past a BIGINT, lone surrogates, JSON nested 5,000 and ~1,000 deep, a 1.5 MB payload: every
    event answers `invalid` on the same connection (the python client cannot encode the deep ones, so those
    go as raw frames), and both connections stay usable."""
    staff = await server.staff("alice_helper", ["helper", "monitor", "admin"], on_duty=True)
    raw = await RawSocket.open(server, staff.token)
    deep_5000 = '{"case_id":' + "[" * 5000 + "1" + "]" * 5000 + "}"
    deep_1000 = '{"room_id":' + "[" * 1000 + "1" + "]" * 1000 + "}"
    huge = json.dumps({"room_id": 1, "body": "x" * 1_500_000, "client_id": "big"})
    try:
        for event in sorted(EVENTS):
            for body in ({"case_id": 2**63, "room_id": 2**64}, {"body": "a\ud800", "client_id": "\udfff"}):
                answer = await staff.call(event, body, timeout=15)
                check(answer, event, body)
                assert answer["ok"] is False and answer["error"]["code"] == "invalid", (event, body, answer)
            for text in (deep_5000, deep_1000, huge):
                answer = await raw.emit_json(event, text)
                check(answer, event, text[:40])
                assert answer["ok"] is False and answer["error"]["code"] == "invalid", (event, text[:40], answer)
        assert (await raw.emit("me", {}))["ok"] is True
    finally:
        await raw.close()
    assert staff.sio.connected
    assert (await staff.call("me"))["ok"]


@pytest.mark.parametrize("config_overrides", [{"limits": {"socket_frame_max": 1_200_000}}])
async def test_a_frame_over_the_configured_socket_frame_max_closes_the_socket_unread(server: LiveServer) -> None:
    """limits.socket_frame_max: under it a payload over the 1,000,000-character cap answers `invalid`; over
    it the frame is not read and the socket closes with 1009 (Message Too Big)."""
    staff = await server.staff("alice_helper", ["helper"], on_duty=True)
    raw = await RawSocket.open(server, staff.token)
    try:
        under = json.dumps({"room_id": 1, "body": "x" * 1_100_000, "client_id": "under"})
        answer = await raw.emit_json("message.send", under)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid"
        over = json.dumps({"room_id": 1, "body": "x" * 1_300_000, "client_id": "over"})
        await raw.ws.send_str(f'421["message.send",{over}]')
        while True:
            msg = await raw.ws.receive(timeout=15)
            if msg.type == aiohttp.WSMsgType.TEXT and msg.data == "2":
                continue  # a ping before the close
            break
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
        assert raw.ws.close_code == 1009
    finally:
        await raw.close()
    assert (await staff.call("me"))["ok"], "the other connection is untouched"
