"""The chat core over a real server and real sockets: auth, rooms, ordering, idempotency, sync."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.support import LiveServer


async def team_room(server: LiveServer, *names: str) -> tuple[list, int]:
    clients = [await server.staff(n, ["helper"]) for n in names]
    room = (await clients[0].ok("room.create", {"name": "#ops"}))["room"]
    for c in clients[1:]:
        await c.ok("room.join", {"room_id": room["id"]})
    return clients, room["id"]


async def test_login_and_connect(server: LiveServer) -> None:
    await server.create_account("alice_helper", ["helper"])
    session = await server.login("alice_helper")
    assert session["account"]["roles"] == ["helper"]
    status, me = await server.get("/api/me", session["token"])
    assert status == 200 and me["account"]["username"] == "alice_helper"
    c = await server.client(session["token"])
    assert (await c.ok("me"))["account"]["id"] == session["account"]["id"]


async def test_wrong_password_and_bad_token_refused(server: LiveServer) -> None:
    await server.create_account("alice_helper", ["helper"])
    status, body = await server.post("/api/session", {"username": "alice_helper", "password": "nope-nope"})
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    status, body = await server.get("/api/me", "not-a-token")
    assert status == 401
    c = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await c.connect(server.url, auth={"token": "not-a-token"}, transports=["websocket"], wait_timeout=5)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await c.connect(server.url, transports=["websocket"], wait_timeout=5)
    await c.disconnect()


async def test_expired_and_revoked_tokens_refused(server: LiveServer) -> None:
    await server.create_account("alice_helper", ["helper"])
    token = (await server.login("alice_helper"))["token"]
    server.clock.advance(days=31)  # token_ttl is 30d
    status, _ = await server.get("/api/me", token)
    assert status == 401
    token = (await server.login("alice_helper"))["token"]
    status, _ = await server.post("/api/session", {}, token)
    assert status == 400
    async with server.http.delete(server.url + "/api/session", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200
    status, _ = await server.get("/api/me", token)
    assert status == 401


async def test_two_clients_exchange_messages_in_order(server: LiveServer) -> None:
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    for i in range(20):
        await alice.ok("message.send", {"room_id": room_id, "body": f"m{i}", "client_id": f"a{i}"})
    await bob.wait_for("message", lambda m: m["body"] == "m19")
    got = [m for m in bob.received("message") if m["kind"] == "chat"]
    assert [m["body"] for m in got] == [f"m{i}" for i in range(20)]
    seqs = [m["seq"] for m in got]
    assert seqs == list(range(seqs[0], seqs[0] + 20)), "seq increases by one with no gaps"
    assert all(m["sender"]["display_name"] == "Alice" for m in got)
    assert all(m["created_at"].endswith("Z") for m in got)


async def test_sender_socket_gets_its_message_in_the_ack_other_sockets_as_an_event(server: LiveServer) -> None:
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    alice_tab2 = await server.client((await server.login("alice_helper"))["token"], "alice-tab2")
    sent = (await alice.ok("message.send", {"room_id": room_id, "body": "from tab 1", "client_id": "t1"}))["message"]
    for other in (bob, alice_tab2):
        got = await other.wait_for("message", lambda m: m["body"] == "from tab 1")
        assert got == sent, "every other socket, the sender's own included, gets the same message as the ack"
    await alice.settle()
    assert not alice.received("message", lambda m: m["body"] == "from tab 1"), "no echo to the sending socket"


async def test_concurrent_senders_get_gapless_seqs(server: LiveServer) -> None:
    (alice, bob, carl), room_id = await team_room(server, "alice_helper", "bob_helper", "carl_helper")
    sends = [c.ok("message.send", {"room_id": room_id, "body": f"{c.name}-{i}", "client_id": f"{i}"})
             for i in range(15) for c in (alice, bob, carl)]
    answers = await asyncio.gather(*sends)
    seqs = sorted(a["message"]["seq"] for a in answers)
    history = (await alice.ok("room.history", {"room_id": room_id, "limit": 200}))["messages"]
    all_seqs = [m["seq"] for m in history]
    assert all_seqs == list(range(1, len(all_seqs) + 1))
    assert set(seqs) <= set(all_seqs) and len(set(seqs)) == 45


async def test_duplicate_client_id_returns_first_message(server: LiveServer) -> None:
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    first = (await alice.ok("message.send", {"room_id": room_id, "body": "hello", "client_id": "x1"}))["message"]
    again = (await alice.ok("message.send", {"room_id": room_id, "body": "hello (retry)", "client_id": "x1"}))["message"]
    assert again["id"] == first["id"] and again["seq"] == first["seq"] and again["body"] == "hello"
    both = await asyncio.gather(*[alice.ok("message.send", {"room_id": room_id, "body": "race", "client_id": "x2"})
                                  for _ in range(5)])
    assert len({b["message"]["id"] for b in both}) == 1
    await bob.settle()
    assert len(bob.received("message", lambda m: m.get("client_id") == "x1")) == 1
    # another account may reuse the same client_id: idempotency is per sender
    other = (await bob.ok("message.send", {"room_id": room_id, "body": "mine", "client_id": "x1"}))["message"]
    assert other["id"] != first["id"]


async def test_sync_after_reconnect_returns_exactly_the_missed(server: LiveServer) -> None:
    (alice, bob), room_id = await team_room(server, "alice_helper", "bob_helper")
    await alice.ok("message.send", {"room_id": room_id, "body": "before", "client_id": "b1"})
    seen = await bob.wait_for("message", lambda m: m["body"] == "before")
    await bob.close()
    for i in range(5):
        await alice.ok("message.send", {"room_id": room_id, "body": f"missed {i}", "client_id": f"m{i}"})
    bob2 = await server.client(bob.token, "bob again")
    answer = await bob2.ok("sync", {"since": {str(room_id): seen["seq"]}})
    missed = answer["messages"][str(room_id)]
    assert [m["body"] for m in missed] == [f"missed {i}" for i in range(5)]
    assert [m["seq"] for m in missed] == list(range(seen["seq"] + 1, seen["seq"] + 6))
    # the reconnected socket is back in the room: new messages arrive live
    await alice.ok("message.send", {"room_id": room_id, "body": "live again", "client_id": "l1"})
    await bob2.wait_for("message", lambda m: m["body"] == "live again")


async def test_history_paging(server: LiveServer) -> None:
    (alice,), room_id = await team_room(server, "alice_helper")
    for i in range(30):
        await alice.ok("message.send", {"room_id": room_id, "body": f"p{i}", "client_id": f"p{i}"})
    page = (await alice.ok("room.history", {"room_id": room_id, "limit": 10}))["messages"]
    assert [m["seq"] for m in page] == list(range(1, 11))
    page2 = (await alice.ok("room.history", {"room_id": room_id, "after": 10, "limit": 10}))["messages"]
    assert [m["seq"] for m in page2] == list(range(11, 21))
    last = (await alice.ok("room.history", {"room_id": room_id, "before": 31, "limit": 5}))["messages"]
    assert [m["seq"] for m in last] == list(range(26, 31))
    status, rest = await server.get(f"/api/rooms/{room_id}/messages?after=25&limit=3", alice.token)
    assert status == 200 and [m["seq"] for m in rest["messages"]] == [26, 27, 28]


@pytest.mark.parametrize("event,payload", [
    ("message.send", "just a string"),
    ("message.send", [1, 2, 3]),
    ("message.send", {"room_id": "abc", "body": "x", "client_id": "c"}),
    ("message.send", {"room_id": 1, "body": "", "client_id": "c"}),
    ("message.send", {"room_id": 1, "body": "   ", "client_id": "c"}),
    ("message.send", {"room_id": 1, "body": "x" * 4001, "client_id": "c"}),
    ("message.send", {"room_id": 1, "body": "bell\x07", "client_id": "c"}),
    ("message.send", {"room_id": 1, "body": "ok"}),
    ("message.send", {"room_id": 1, "body": "ok", "client_id": "c", "kind": "system"}),
    ("message.send", {"room_id": 1, "body": "ok", "client_id": "c", "sensitive": "yes"}),
    ("room.create", {"name": "no spaces allowed"}),
    ("room.history", {"room_id": 1, "limit": 100000}),
    ("sync", {"since": {"x": 1}}),
    ("sync", {"since": [1]}),
    ("no.such.event", {}),
])
async def test_invalid_payloads_answer_invalid_and_connection_survives(server: LiveServer, event: str,
                                                                      payload: object) -> None:
    (alice,), room_id = await team_room(server, "alice_helper")
    assert await alice.error(event, payload) == "invalid"
    await alice.ok("message.send", {"room_id": room_id, "body": "still here", "client_id": "after"})
    assert alice.sio.connected


async def test_non_members_cannot_send_or_read(server: LiveServer) -> None:
    (alice,), room_id = await team_room(server, "alice_helper")
    bob = await server.staff("bob_helper", ["helper"])
    assert await bob.error("message.send", {"room_id": room_id, "body": "hi", "client_id": "1"}) == "forbidden"
    assert await bob.error("room.history", {"room_id": room_id}) == "forbidden"
    assert await bob.error("message.send", {"room_id": 9999, "body": "hi", "client_id": "2"}) == "not_found"
    rita = await server.requester()
    assert await rita.error("room.create", {"name": "#mine"}) == "forbidden"
    assert await rita.error("room.join", {"room_id": room_id}) == "forbidden"
    history = (await alice.ok("room.history", {"room_id": room_id}))["messages"]
    assert not [m for m in history if m["kind"] == "chat"], "refused sends changed nothing"


async def test_room_names_unique_and_listing(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    await alice.ok("room.create", {"name": "#ops", "topic": "operations"})
    assert await alice.error("room.create", {"name": "#OPS"}) == "conflict"
    bob = await server.staff("bob_helper", ["helper"])
    # the escalation routes' team rooms (config.yaml, created at start) are listed too
    route_rooms = {r.room for r in server.deps.config.escalation.routes}  # type: ignore[union-attr]
    rooms = [r for r in (await bob.ok("room.list"))["rooms"] if r["name"] not in route_rooms]
    assert [r["name"] for r in rooms] == ["#ops"] and rooms[0]["membership"] is None
    await bob.ok("room.join", {"room_id": rooms[0]["id"]})
    await bob.ok("room.leave", {"room_id": rooms[0]["id"]})
    await alice.ok("message.send", {"room_id": rooms[0]["id"], "body": "after bob left", "client_id": "z"})
    await bob.settle()
    assert not bob.received("message", lambda m: m["body"] == "after bob left")
    assert await bob.error("message.send", {"room_id": rooms[0]["id"], "body": "x", "client_id": "q"}) == "forbidden"


async def test_health(server: LiveServer) -> None:
    status, body = await server.get("/api/health")
    assert status == 200 and body == {"status": "ok"}
