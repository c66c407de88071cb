"""The retention job with the FakeClock: what is purged when, what is kept, idempotence, resuming after a
failure midway, reopened cases, guest transcripts, the audit, the lease, and crypto-shredding."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update

from retention.job import Lease, keyring_of, run_once
from retention.keys import Keyring, plan_master_key
from retention.purge import JOB, cutoffs, due_cases, purge_case
from server.storage.models import Case, Message
from server.storage.models.retention import CaseKey, RetentionAudit
from tests.retention.helpers import claimed_case, open_case, send
from tests.support import LiveServer, make_config

SECRET = "account recovery code QX-5521-LAMBDA"


async def resolved_case_with_secret(server: LiveServer, name: str = "Rita") -> dict[str, Any]:
    rita, alice, case, room_id = await claimed_case(server, name) if name == "Rita" else await _second(server, name)
    return await resolved_case_with_secret_in(server, rita, alice, case, room_id)


async def resolved_case_with_secret_in(server: LiveServer, rita: Any, alice: Any, case: dict[str, Any],
                                       room_id: int) -> dict[str, Any]:
    secret = await send(rita, room_id, SECRET, f"s-{case['id']}", sensitive=True)
    plain = await send(rita, room_id, "thanks for the help", f"p-{case['id']}")
    await alice.ok("case.resolve", {"case_id": case["id"]})
    return {"rita": rita, "alice": alice, "case": case, "room_id": room_id, "secret": secret, "plain": plain}


async def secret_of(server: LiveServer, room_id: int) -> dict[str, Any]:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        row = (await s.execute(select(Message).where(Message.room_id == room_id, Message.client_id.like("s-%"))
                               )).scalar_one()
    return {"id": row.id, "seq": row.seq}


async def _second(server: LiveServer, name: str) -> tuple[Any, Any, dict[str, Any], int]:
    rita = await server.requester(name)
    alice = server.clients[1]  # alice_helper from the first case
    case, room_id = await open_case(rita)
    await alice.ok("case.claim", {"case_id": case["id"]})
    return rita, alice, case, room_id


async def message_row(server: LiveServer, message_id: int) -> Message:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        return (await s.execute(select(Message).where(Message.id == message_id))).scalar_one()


async def key_row(server: LiveServer, room_id: int) -> CaseKey | None:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        return (await s.execute(select(CaseKey).where(CaseKey.room_id == room_id))).scalar_one_or_none()


async def audit_rows(server: LiveServer) -> list[RetentionAudit]:
    assert server.deps is not None
    async with server.deps.db.read() as s:
        return list((await s.execute(select(RetentionAudit).order_by(RetentionAudit.id))).scalars())


async def run(server: LiveServer, **kw: Any) -> Any:
    assert server.deps is not None and server.clock is not None
    return await run_once(server.deps, server.clock.now(), **kw)


async def set_case(server: LiveServer, case_id: int, **values: Any) -> None:
    """Stands in for a reopen action (the help desk has none yet): the same columns change."""
    assert server.deps is not None
    async with server.deps.db.transaction() as s:
        await s.execute(update(Case).where(Case.id == case_id).values(**values))


async def test_closed_29_days_ago_kept_30_days_purged(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    server.clock.advance(days=29)  # type: ignore[union-attr]
    result = await run(server)
    assert result.cases == [] and result.skipped is None
    history = (await c["rita"].ok("room.history", {"room_id": c["room_id"]}))["messages"]
    assert [m["body"] for m in history if m["id"] == c["secret"]["id"]] == [SECRET]
    key = await key_row(server, c["room_id"])
    assert key is not None and key.wrapped_key is not None

    server.clock.advance(days=1)  # type: ignore[union-attr]
    result = await run(server)
    [report] = result.cases
    assert report.case_id == c["case"]["id"] and report.sensitive_messages == 1 and report.key_destroyed
    assert report.guest_transcripts == 4, "Rita is a guest: her whole transcript is due at 30d too"
    row = await message_row(server, c["secret"]["id"])
    assert row.purged and row.body is None and row.body_sealed is None and row.seq == c["secret"]["seq"]
    key = await key_row(server, c["room_id"])
    assert key is not None and key.wrapped_key is None and key.destroyed_at is not None
    for who in ("rita", "alice"):
        history = (await c[who].ok("room.history", {"room_id": c["room_id"]}))["messages"]
        [m] = [m for m in history if m["id"] == c["secret"]["id"]]
        assert m["body"] is None and m["purged"] is True and m["sensitive"] is True and m["seq"] == c["secret"]["seq"]
        seqs = [m["seq"] for m in history]
        assert seqs == list(range(1, len(seqs) + 1)), "seq stays gapless"


async def test_open_cases_are_never_purged(server: LiveServer) -> None:
    rita, alice, case, room_id = await claimed_case(server)
    secret = await send(rita, room_id, SECRET, "s1", sensitive=True)
    await alice.ok("case.hold", {"case_id": case["id"]})
    server.clock.advance(days=400)  # type: ignore[union-attr]
    result = await run(server)
    assert result.cases == []
    row = await message_row(server, secret["id"])
    assert not row.purged and row.body_sealed is not None
    # even a stale closed_at does not make an open case due
    await set_case(server, case["id"], closed_at=server.clock.now() - dt.timedelta(days=100))  # type: ignore[union-attr]
    assert (await run(server)).cases == []
    assert not (await message_row(server, secret["id"])).purged


async def test_dry_run_changes_nothing_then_real_run_matches(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    server.clock.advance(days=31)  # type: ignore[union-attr]
    dry = await run(server, dry_run=True)
    [report] = dry.cases
    assert report.sensitive_messages == 1 and report.key_destroyed and report.guest_transcripts > 0
    assert dry.total()["dry_run"] is True
    row = await message_row(server, c["secret"]["id"])
    assert not row.purged and row.body_sealed is not None
    assert (await key_row(server, c["room_id"])).wrapped_key is not None  # type: ignore[union-attr]
    assert await audit_rows(server) == []
    history = (await c["rita"].ok("room.history", {"room_id": c["room_id"]}))["messages"]
    assert [m["body"] for m in history if m["id"] == c["secret"]["id"]] == [SECRET]

    real = await run(server)
    assert [(r.case_id, r.sensitive_messages, r.guest_transcripts, r.key_destroyed) for r in real.cases] == \
        [(r.case_id, r.sensitive_messages, r.guest_transcripts, r.key_destroyed) for r in dry.cases]


async def test_second_run_purges_nothing_more(server: LiveServer) -> None:
    await resolved_case_with_secret(server)
    server.clock.advance(days=30)  # type: ignore[union-attr]
    first = await run(server)
    assert len(first.cases) == 1
    audits = len(await audit_rows(server))
    second = await run(server)
    assert second.cases == [] and second.total()["sensitive_messages"] == 0
    assert len(await audit_rows(server)) == audits
    server.clock.advance(days=30)  # type: ignore[union-attr]
    assert (await run(server)).cases == []


async def test_reopened_case_is_not_purged_while_open(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    server.clock.advance(days=31)  # type: ignore[union-attr]
    await set_case(server, c["case"]["id"], status="active")  # reopened; closed_at still from the first close
    assert (await run(server)).cases == []
    assert not (await message_row(server, c["secret"]["id"])).purged
    # closed again: the clock starts over from the new closed_at
    await set_case(server, c["case"]["id"], status="resolved", closed_at=server.clock.now())  # type: ignore[union-attr]
    server.clock.advance(days=29)  # type: ignore[union-attr]
    assert (await run(server)).cases == []
    server.clock.advance(days=1)  # type: ignore[union-attr]
    assert len((await run(server)).cases) == 1
    assert (await message_row(server, c["secret"]["id"])).purged


async def test_case_reopened_between_finding_and_purging_is_skipped(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    server.clock.advance(days=31)  # type: ignore[union-attr]
    deps = server.deps
    assert deps is not None
    cut = cutoffs(deps.config.retention.periods, server.clock.now())  # type: ignore[union-attr]
    async with deps.db.read() as s:
        assert await due_cases(s, cut, 0, 10) == [c["case"]["id"]]
    await set_case(server, c["case"]["id"], status="active")
    async with deps.db.transaction() as s:
        assert await purge_case(s, keyring_of(deps), c["case"]["id"], cut, deps.clock.now(), dry_run=False,
                                actor=JOB) is None
    assert not (await message_row(server, c["secret"]["id"])).purged


async def test_resumes_after_stopping_midway_and_after_a_failing_case(server: LiveServer) -> None:
    cases = [await resolved_case_with_secret(server, name) for name in ("Rita", "Rosa", "Raul")]
    server.clock.advance(days=30)  # type: ignore[union-attr]
    first = await run(server, max_cases=1)  # as if the process died after the first case
    assert [r.case_id for r in first.cases] == [cases[0]["case"]["id"]]
    assert not (await message_row(server, cases[1]["secret"]["id"])).purged

    # a case whose purge fails halfway is rolled back whole and retried; the others go on
    failing = cases[1]["case"]["id"]

    async def explode(s: Any, case_id: int, dry_run: bool) -> int:
        if case_id == failing:
            raise RuntimeError("disk on fire")
        return 0

    assert server.deps is not None
    server.deps.case_purgers[:] = [explode]
    second = await run(server)
    assert second.errors == 1 and [r.case_id for r in second.cases] == [cases[2]["case"]["id"]]
    row = await message_row(server, cases[1]["secret"]["id"])
    assert not row.purged and row.body_sealed is not None, "the failed case's transaction rolled back"

    server.deps.case_purgers[:] = []
    third = await run(server)
    assert [r.case_id for r in third.cases] == [failing] and third.errors == 0
    assert (await run(server)).cases == []
    for c in cases:
        assert (await message_row(server, c["secret"]["id"])).purged


async def test_guest_transcripts_and_registered_requesters(start_server: Any, database_url: str) -> None:
    server = await start_server(make_config(database_url, {"retention": {"periods": {
        "guest_transcripts": "7d", "sensitive_messages": "30d"}}}))
    guest_case = await resolved_case_with_secret(server)
    # a registered requester: their ordinary messages are not a guest transcript
    await server.create_account("ruth_user", ["user"], display_name="Ruth")
    ruth = await server.client((await server.login("ruth_user"))["token"], "ruth")
    case, room_id = await open_case(ruth)
    alice = server.clients[1]
    await alice.ok("case.claim", {"case_id": case["id"]})
    ruth_secret = await send(ruth, room_id, SECRET, "rs", sensitive=True)
    ruth_plain = await send(ruth, room_id, "ordinary words", "rp")
    await alice.ok("case.resolve", {"case_id": case["id"], "summary": "walked her through it"})

    server.clock.advance(days=7)
    result = await run(server)
    [report] = result.cases
    assert report.case_id == guest_case["case"]["id"]
    assert report.sensitive_messages == 1 and report.guest_transcripts >= 3 and report.key_destroyed
    history = (await alice.ok("room.history", {"room_id": guest_case["room_id"]}))["messages"]
    assert history and all(m["body"] is None and m["purged"] for m in history)
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
    assert not (await message_row(server, ruth_secret["id"])).purged

    server.clock.advance(days=23)
    result = await run(server)
    [report] = result.cases
    assert report.case_id == case["id"] and report.sensitive_messages == 1 and report.guest_transcripts == 0
    assert (await message_row(server, ruth_secret["id"])).purged
    kept = await message_row(server, ruth_plain["id"])
    assert kept.body == "ordinary words" and not kept.purged


async def test_every_purge_is_audited_without_content(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    server.clock.advance(days=30)  # type: ignore[union-attr]
    when = server.clock.now()  # type: ignore[union-attr]
    await run(server)
    rows = await audit_rows(server)
    by_class = {r.data_class: r for r in rows}
    assert set(by_class) == {"sensitive_messages", "guest_transcripts", "data_key"}
    assert by_class["sensitive_messages"].items == 1 and by_class["data_key"].items == 1
    for r in rows:
        assert r.action == "purge" and r.case_id == c["case"]["id"] and r.actor_id is None
        assert r.actor_label == "job" and r.at == when
        assert SECRET not in repr(r.detail) and "thanks" not in repr(r.detail)
    # admins can read it over REST; others cannot
    await server.create_account("dave_admin", ["admin"])
    token = (await server.login("dave_admin"))["token"]
    status, body = await server.get(f"/api/retention/audit?case_id={c['case']['id']}", token)
    assert status == 200 and {a["data_class"] for a in body["audit"]} == set(by_class)
    status, _ = await server.get("/api/retention/audit", (await server.login("alice_helper"))["token"])
    assert status == 403

    # audit detail has its own period: after it, class/count/case/time/actor stay, detail goes
    server.clock.advance(days=30)  # type: ignore[union-attr]
    result = await run(server)
    assert result.audit_detail == len(rows)
    for r in await audit_rows(server):
        assert r.detail is None and r.detail_purged_at is not None and r.items >= 1 and r.case_id is not None


async def test_only_one_process_runs_the_job(start_server: Any, config: Any) -> None:
    a = await start_server(config)
    b = await start_server(config)
    assert a.deps is not None and b.deps is not None
    await resolved_case_with_secret(a)
    a.clock.advance(days=30)
    # b holds the lease (as if it were mid-run): a skips
    lease = Lease(b.deps, config.retention.schedule.lease)
    assert await lease.acquire()
    skipped = await run_once(a.deps, a.clock.now())
    assert skipped.skipped and skipped.holder == lease.holder and skipped.cases == []
    # a crashed holder's lease lapses
    a.clock.advance(seconds=config.retention.schedule.lease + 1)
    done = await run_once(a.deps, a.clock.now())
    assert done.skipped is None and len(done.cases) == 1
    assert not await lease.renew(), "the lapsed holder lost it"
    # at the same moment, both run: the case is purged exactly once
    await resolved_case_with_secret(a, "Rosa")
    a.clock.advance(days=30)
    results = await asyncio.gather(run_once(a.deps, a.clock.now()), run_once(b.deps, b.clock.now()))
    assert sum(len(r.cases) for r in results) == 1
    async with a.deps.db.read() as s:
        keys = (await s.execute(select(func.count()).select_from(RetentionAudit)
                                .where(RetentionAudit.data_class == "data_key"))).scalar_one()
    assert keys == 2


async def test_shredded_key_makes_leftover_ciphertext_unreadable(server: LiveServer) -> None:
    c = await resolved_case_with_secret(server)
    before = await message_row(server, c["secret"]["id"])
    sealed = before.body_sealed
    assert sealed is not None and SECRET.encode() not in sealed
    deps = server.deps
    assert deps is not None
    keyring = keyring_of(deps)
    async with deps.db.read() as s:
        assert await keyring.unseal(s, c["room_id"], sealed) == SECRET
    server.clock.advance(days=30)  # type: ignore[union-attr]
    await run(server)
    # a copy of the ciphertext (a backup, a freed page, a dead tuple) no longer opens, with the same master key
    async with deps.db.read() as s:
        assert await keyring.unseal(s, c["room_id"], sealed) is None
    fresh = Keyring(plan_master_key(deps.config))
    await fresh.open(deps.db)
    async with deps.db.read() as s:
        assert await fresh.unseal(s, c["room_id"], sealed) is None
    # a new sensitive message in the (reopened) room gets a new key version; the old ciphertext stays dead
    await set_case(server, c["case"]["id"], status="active", closed_at=None)
    again = await send(c["rita"], c["room_id"], "new secret 12", "again", sensitive=True)
    key = await key_row(server, c["room_id"])
    assert key is not None and key.version == 2 and key.wrapped_key is not None
    async with deps.db.read() as s:
        assert await keyring.unseal(s, c["room_id"], sealed) is None
        row = (await s.execute(select(Message).where(Message.id == again["id"]))).scalar_one()
        assert await keyring.unseal(s, c["room_id"], row.body_sealed) == "new secret 12"  # type: ignore[arg-type]


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite database file")


async def test_secret_bytes_never_in_the_database_file(sqlite_only: None, server: LiveServer) -> None:
    from tests.retention.helpers import checkpoint, file_bytes

    rita, alice, case, room_id = await claimed_case(server)
    # a message sent plain, then marked sensitive by staff: its plaintext must leave the file too
    late = await send(rita, room_id, "my member number is MB-88231-Z", "late")
    await alice.ok("message.mark_sensitive", {"message_id": late["id"]})
    await resolved_case_with_secret_in(server, rita, alice, case, room_id)
    c = {"rita": rita, "room_id": room_id, "secret": None}
    c["secret"] = await secret_of(server, room_id)
    sealed = (await message_row(server, c["secret"]["id"])).body_sealed
    wrapped = (await key_row(server, c["room_id"])).wrapped_key  # type: ignore[union-attr]
    assert sealed and wrapped
    data = file_bytes(server)  # the -wal file holds the fresh pages
    assert SECRET.encode() not in data, "sealed at rest: the plaintext never reaches the file"
    assert sealed in data and wrapped in data, "the test reads the right files"
    checkpoint(server)
    data = file_bytes(server)
    assert SECRET.encode() not in data and sealed in data
    assert b"MB-88231-Z" not in data, "secure_delete zeroed the plain body when it was sealed"

    server.clock.advance(days=30)  # type: ignore[union-attr]
    await run(server)  # purges, then checkpoints with TRUNCATE
    data = file_bytes(server)
    assert SECRET.encode() not in data
    assert sealed not in data, "secure_delete zeroed the ciphertext's old cells"
    assert wrapped not in data, "and the wrapped data key's"
    assert b"thanks for the help" not in data, "guest transcript bodies too"


async def test_the_server_runs_the_job_itself(start_server: Any, database_url: str) -> None:
    """schedule.every > 0: the server's scheduler runs run_once (first_after 0: due at start) when time
    moves, with no test calling run_once, and stops cleanly with the server."""
    first = await start_server(make_config(database_url))
    c = await resolved_case_with_secret(first)
    first.clock.advance(days=31)
    scheduled = await start_server(make_config(database_url, {"retention": {"schedule": {
        "every": "1h", "first_after": 0}}}))
    assert scheduled.deps is not None
    assert await scheduled.deps.scheduler.advance(0) >= 1  # the retention call was due at start
    assert (await message_row(scheduled, c["secret"]["id"])).purged
    assert {r.actor_label for r in await audit_rows(scheduled)} == {"job"}


async def test_guest_transcript_purge_takes_escalation_notes_and_team_room_cards(server: LiveServer) -> None:
    """The escalation area copies case text out of the case room (the note on the team room's card, the
    requester's name, a flag's note): when the guest transcript goes, that goes too, and is audited."""
    from server.storage.models.escalation import CaseFlag, Escalation

    rita, alice, case, room_id = await claimed_case(server)
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    await send(rita, room_id, "the parcel went to my old street", "p1")
    await alice.ok("case.flag", {"case_id": case["id"], "kind": "personal_escalation",
                                 "note": "Rita sounds very distressed about the parcel"})
    note = "Rita's parcel went to the old street; the courier portal shows it returned"
    await alice.ok("case.escalate", {"case_id": case["id"], "route": "social", "priority": "high", "note": note})
    routes = {r["name"]: r for r in (await carol.ok("escalation.routes"))["routes"]}
    team_room = routes["social"]["room_id"]
    cards = [m for m in (await carol.ok("room.history", {"room_id": team_room}))["messages"]
             if (m.get("meta") or {}).get("case_id") == case["id"]]
    assert cards and note in cards[0]["body"]
    await carol.ok("case.resolve", {"case_id": case["id"]})

    server.clock.advance(days=29)  # type: ignore[union-attr]
    assert (await run(server)).cases == []
    server.clock.advance(days=1)  # type: ignore[union-attr]
    dry = await run(server, dry_run=True)
    [would] = dry.cases
    [report] = (await run(server)).cases
    assert report.other == would.other >= 4, "escalation note, flag note, the card, the resolution line"
    assert server.deps is not None
    async with server.deps.db.read() as s:
        assert [e.note for e in (await s.execute(select(Escalation).where(Escalation.case_id == case["id"])))
                .scalars()] == [""]
        flags = list((await s.execute(select(CaseFlag).where(CaseFlag.case_id == case["id"]))).scalars())
        assert flags and all(f.note is None and f.matched is None for f in flags)
    history = (await carol.ok("room.history", {"room_id": team_room}))["messages"]
    about = [m for m in history if (m.get("meta") or {}).get("case_id") == case["id"]]
    assert len(about) == len(cards) + 1 and all(m["body"] is None and m["purged"] for m in about)
    assert all(set(m["meta"]) <= {"event", "case_id", "escalation_id"} for m in about)
    assert not [m for m in history if m["body"] and ("parcel" in m["body"] or "Rita" in m["body"])]
    seqs = [m["seq"] for m in history]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    other = [r for r in await audit_rows(server) if r.data_class == "other_areas"]
    assert [(r.case_id, r.items, r.action) for r in other] == [(case["id"], report.other, "purge")]
    assert "parcel" not in repr(other[0].detail)
    assert (await run(server)).cases == [], "idempotent"
