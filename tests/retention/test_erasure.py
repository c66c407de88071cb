"""Right to erasure through the admin's REST route: everything of one requester's content goes at once,
with the same guarantees as the purge (keys destroyed, audit), and nobody else's data is touched."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from retention.job import keyring_of
from server.storage.models import Account, Message
from server.storage.models.retention import Attachment, CaseKey, RetentionAudit
from tests.retention.helpers import open_case, send
from tests.support import LiveServer

SECRET = "IBAN DE44 5001 0517 5407 3249 31"


async def attach(server: LiveServer, token: str, case_id: int) -> int:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(b"ERROR trade failed\n" * 5), filename="trade.log", content_type="text/plain")
    async with server.http.post(f"{server.url}/api/cases/{case_id}/attachments", data=form,
                                headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200, await r.text()
        return int((await r.json())["attachment"]["id"])


async def test_admin_erases_one_requester(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita Q")
    olga = await server.requester("Olga")
    mine: list[dict[str, Any]] = []
    for i in range(2):
        case, room_id = await open_case(rita, f"problem {i}")
        await alice.ok("case.claim", {"case_id": case["id"]})
        secret = await send(rita, room_id, SECRET, f"s{i}", sensitive=True)
        plain = await send(alice, room_id, f"let me check, Rita ({i})", f"a{i}")
        att = await attach(server, rita.token, case["id"])
        await alice.ok("case.resolve", {"case_id": case["id"], "summary": "Rita's IBAN was wrong"})
        mine.append({"case": case, "room_id": room_id, "secret": secret, "plain": plain, "att": att})
    other_case, other_room = await open_case(olga, "olga's question")
    olga_secret = await send(olga, other_room, "olga's pin 7777", "o1", sensitive=True)
    assert server.deps is not None
    async with server.deps.db.read() as s:
        sealed_before = (await s.execute(select(Message.body_sealed).where(Message.id == mine[0]["secret"]["id"]))
                         ).scalar_one()

    await server.create_account("dave_admin", ["admin"])
    admin = (await server.login("dave_admin"))["token"]
    status, body = await server.post("/api/retention/erasures", {"requester": rita.account["id"]}, alice.token)  # type: ignore[attr-defined]
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await server.post("/api/retention/erasures", {"requester": rita.account["id"]}, admin)  # type: ignore[attr-defined]
    assert status == 200, body
    erasure = body["erasure"]
    assert erasure["cases"] == 2 and erasure["sensitive_messages"] == 4 and erasure["uploads"] == 2  # 2 secrets, 2 file messages
    assert erasure["keys_destroyed"] == 2 and erasure["account_anonymized"] is True
    assert {c["case_id"] for c in erasure["case_reports"]} == {m["case"]["id"] for m in mine}

    async with server.deps.db.read() as s:
        for m in mine:
            rows = list((await s.execute(select(Message).where(Message.room_id == m["room_id"]))).scalars())
            assert rows and all(r.purged and r.body is None and r.body_sealed is None for r in rows)
            assert sorted(r.seq for r in rows) == list(range(1, len(rows) + 1)), "seq kept"
            att = (await s.execute(select(Attachment).where(Attachment.id == m["att"]))).scalar_one()
            assert att.content_sealed is None and att.name_sealed is None and att.purged_at is not None
            key = (await s.execute(select(CaseKey).where(CaseKey.room_id == m["room_id"]))).scalar_one()
            assert key.wrapped_key is None
        account = await s.get(Account, rita.account["id"])  # type: ignore[attr-defined]
        assert account is not None and account.display_name == "Erased requester" and account.disabled
        olga_row = (await s.execute(select(Message).where(Message.id == olga_secret["id"]))).scalar_one()
        assert not olga_row.purged and olga_row.body_sealed is not None
        assert await keyring_of(server.deps).unseal(s, mine[0]["room_id"], sealed_before) is None
        audit = list((await s.execute(select(RetentionAudit).where(RetentionAudit.action == "erase"))).scalars())
    assert {a.subject_id for a in audit} == {rita.account["id"]}  # type: ignore[attr-defined]
    assert {a.actor_label for a in audit} == {"admin:dave_admin"}
    assert {a.data_class for a in audit} >= {"sensitive_messages", "uploads", "transcript", "data_key", "account"}
    assert all(SECRET not in repr(a.detail) for a in audit)

    # her token no longer works; staff see her messages as purged, under the anonymous name
    status, _ = await server.get("/api/me", rita.token)
    assert status == 401
    history = (await alice.ok("room.history", {"room_id": mine[0]["room_id"]}))["messages"]
    assert all(m["body"] is None and m["purged"] for m in history)
    assert {m["sender"]["display_name"] for m in history if m["sender"] and m["sender"]["id"] == rita.account["id"]} \
        == {"Erased requester"}  # type: ignore[attr-defined]
    status, case_view = await server.get(f"/api/cases/{mine[0]['case']['id']}", alice.token)
    assert status == 200 and case_view["case"]["summary"] is None and case_view["case"]["status"] == "resolved"
    # the other requester's open case goes on
    await send(olga, other_room, "still here", "o2")


async def test_erasure_refusals(server: LiveServer) -> None:
    await server.create_account("dave_admin", ["admin"])
    admin = (await server.login("dave_admin"))["token"]
    alice = await server.staff("alice_helper", ["helper"])
    rita = await server.requester()
    await open_case(rita)
    status, body = await server.post("/api/retention/erasures", {"requester": rita.account["id"]}, admin)  # type: ignore[attr-defined]
    assert status == 409 and "open case" in body["error"]["message"]
    status, body = await server.post("/api/retention/erasures", {"requester": "alice_helper"}, admin)
    assert status == 400 and "staff account" in body["error"]["message"]
    assert alice.account["id"]  # type: ignore[attr-defined]
    status, body = await server.post("/api/retention/erasures", {"requester": 987654}, admin)
    assert status == 404
    status, body = await server.post("/api/retention/erasures", {"requester": ["x"]}, admin)
    assert status == 400


async def test_erased_bytes_leave_the_sqlite_file(server: LiveServer, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite database file")
    from tests.retention.helpers import file_bytes

    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    rita = await server.requester("Rita Q")
    case, room_id = await open_case(rita, "my parcel PX-77120-KESTREL is lost")
    await alice.ok("case.claim", {"case_id": case["id"]})
    await send(rita, room_id, SECRET, "s", sensitive=True)
    await send(rita, room_id, "ordinary words: my neighbour Kestrelwood took it", "p")
    await alice.ok("case.resolve", {"case_id": case["id"]})
    assert server.deps is not None
    async with server.deps.db.read() as s:
        sealed = (await s.execute(select(Message.body_sealed).where(Message.room_id == room_id,
                                                                    Message.sensitive.is_(True)))).scalar_one()
    data = file_bytes(server)
    assert sealed in data and b"Kestrelwood" in data, "the test reads the right files"

    await server.create_account("dave_admin", ["admin"])
    admin = (await server.login("dave_admin"))["token"]
    status, body = await server.post("/api/retention/erasures", {"requester": rita.account["id"]}, admin)  # type: ignore[attr-defined]
    assert status == 200, body
    data = file_bytes(server)  # no checkpoint by the test: the erasure compacts the files itself
    assert b"Kestrelwood" not in data and b"PX-77120-KESTREL" not in data
    assert sealed not in data and SECRET.encode() not in data
