"""Vouching and promotion over a real server: who may vouch and when, duplicates refused, distinct
vouchers counted, eligibility, promotion by REST (audited), role grants and revokes, the trainee's record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.roles.helpers import ROLES_OVERRIDES, me, open_case, send
from tests.support import Client, LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {**ROLES_OVERRIDES, "roles": {"supervision_check_interval": 0,
                                         "promotion": {"vouches_required": 3, "distinct_vouchers_required": 2}}}


async def supervised_case(server: LiveServer, trainee: Client, monitor: Client, shadows: tuple[Client, ...] = (),
                          resolve: bool = True) -> dict[str, Any]:
    """A case the trainee takes under the monitor's supervision (shadows watching), resolved."""
    rita, case, room_id = await open_case(server)
    await monitor.ok("case.supervise", {"case_id": case["id"]})
    for s in shadows:
        await s.ok("case.shadow", {"case_id": case["id"]})
    await trainee.ok("case.claim", {"case_id": case["id"]})
    await send(trainee, room_id, f"hello {case['id']}")
    if resolve:
        await trainee.ok("case.resolve", {"case_id": case["id"]})
    return case


async def test_vouch_rules_duplicates_and_distinct_vouchers(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    hank = await server.staff("hank_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    tina = await server.staff("tina_trainee", ["trainee"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])

    open_one = await supervised_case(server, bob, carol, shadows=(alice,), resolve=False)
    v = {"case_id": open_one["id"], "trainee_id": me(bob)}
    assert await carol.error("case.vouch", v) == "forbidden", "not before the case is resolved"
    await bob.ok("case.resolve", {"case_id": open_one["id"]})

    vouch = (await carol.ok("case.vouch", {**v, "note": "calm and precise"}))
    assert vouch["vouch"]["trainee"]["id"] == me(bob) and vouch["vouch"]["voucher"]["id"] == me(carol)
    assert vouch["vouch"]["note"] == "calm and precise"
    assert vouch["progress"] == {"vouches": 1, "distinct_vouchers": 1, "vouches_required": 3,
                                 "distinct_vouchers_required": 2, "eligible": False}
    await bob.wait_for("alert", lambda a: a["kind"] == "vouch" and a["vouch"]["voucher"]["id"] == me(carol))
    assert await carol.error("case.vouch", v) == "conflict", "once per case per voucher"
    # a note matching a sensitive pattern is refused (invalid, the data not echoed) and nothing is stored
    answer = await alice.call("case.vouch", {**v, "note": "he kept rita.q@example.org calm"})
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    assert "e-mail address" in answer["error"]["message"] and "rita.q" not in answer["error"]["message"]
    await alice.ok("case.vouch", v)  # alice shadowed the case: she worked it with bob
    assert await hank.error("case.vouch", v) == "forbidden", "hank was not in the case"
    assert await tina.error("case.vouch", v) == "forbidden", "trainees do not vouch"
    assert await dave.error("case.vouch", v) == "forbidden", "admins are not helpers"
    assert await bob.error("case.vouch", v) == "forbidden", "not for yourself"
    assert await carol.error("case.vouch", {**v, "trainee_id": me(tina)}) == "forbidden", "tina did not take it"
    assert await carol.error("case.vouch", {**v, "trainee_id": me(alice)}) == "forbidden", "only trainees"
    assert await carol.error("case.vouch", {**v, "case_id": 99999}) == "not_found"
    assert await carol.error("case.vouch", {"case_id": open_one["id"]}) == "invalid"

    # a helper's own case is no supervised case: nobody vouches for a trainee who only shadowed it
    _, plain, _ = await open_case(server)
    await tina.ok("case.shadow", {"case_id": plain["id"]})
    await alice.ok("case.claim", {"case_id": plain["id"]})
    await alice.ok("case.resolve", {"case_id": plain["id"]})
    assert await alice.error("case.vouch", {"case_id": plain["id"], "trainee_id": me(tina)}) == "forbidden"

    # two vouches from carol on two more cases: 4 vouches, still 2 people
    second = await supervised_case(server, bob, carol)
    await carol.ok("case.vouch", {"case_id": second["id"], "trainee_id": me(bob)})
    status, trainees = await server.get("/api/admin/trainees", dave.token)
    assert status == 200
    rows = {t["account"]["id"]: t for t in trainees["trainees"]}
    assert rows[me(bob)]["eligible"] is True and rows[me(bob)]["vouches"] == 3
    assert rows[me(bob)]["distinct_vouchers"] == 2
    assert rows[me(tina)]["eligible"] is False
    assert trainees["trainees"][0]["account"]["id"] == me(bob), "eligible trainees first"
    await dave.wait_for("alert", lambda a: a["kind"] == "promotion_eligible" and a["account"]["id"] == me(bob))
    status, eligible = await server.get("/api/admin/trainees?eligible=true", dave.token)
    assert [t["account"]["id"] for t in eligible["trainees"]] == [me(bob)]


@pytest.mark.parametrize("config_overrides", [{**ROLES_OVERRIDES, "roles": {
    "supervision_check_interval": 0, "promotion": {"vouches_required": 2, "distinct_vouchers_required": 2}}}])
async def test_distinct_vouchers_are_required(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    for _ in range(3):
        case = await supervised_case(server, bob, carol)
        await carol.ok("case.vouch", {"case_id": case["id"], "trainee_id": me(bob)})
    status, body = await server.get(f"/api/admin/trainees/{me(bob)}", dave.token)
    assert status == 200 and body["vouches"] == 3 and body["distinct_vouchers"] == 1 and body["eligible"] is False
    status, body = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "helper"}, dave.token)
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert "bob_trainee is not eligible for helper yet: 3 of 2 vouches, from 1 of 2 different people" \
        in body["error"]["message"]


async def test_trainee_record_and_promotion_audited(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])
    # shadowed cases count once each, however often
    _, watched, _ = await open_case(server)
    await bob.ok("case.shadow", {"case_id": watched["id"]})
    await bob.ok("case.unshadow", {"case_id": watched["id"]})
    await bob.ok("case.shadow", {"case_id": watched["id"]})
    c1 = await supervised_case(server, bob, carol, shadows=(alice,))
    c2 = await supervised_case(server, bob, mona)
    await supervised_case(server, bob, carol, resolve=False)
    await carol.ok("case.vouch", {"case_id": c1["id"], "trainee_id": me(bob), "note": "good"})
    await alice.ok("case.vouch", {"case_id": c1["id"], "trainee_id": me(bob)})

    status, body = await server.get(f"/api/admin/trainees/{me(bob)}", dave.token)
    assert status == 200
    record = body["record"]
    assert record["cases_shadowed"] == 1
    assert record["cases_supervised"] == 3 and record["cases_supervised_resolved"] == 2
    assert record["vouches_received"] == 2 and record["distinct_vouchers"] == 2
    assert [(v["voucher"]["id"], v["case_id"], v["note"]) for v in record["vouches"]] == [
        (me(carol), c1["id"], "good"), (me(alice), c1["id"], None)]
    status, mine = await server.get("/api/me/record", bob.token)
    assert status == 200 and mine["record"] == record, "a trainee sees their own record"
    status, _ = await server.get(f"/api/admin/trainees/{me(bob)}", alice.token)
    assert status == 403

    # not eligible yet (2 of 3): refused with a clear message, nothing changes, nothing audited
    status, refused = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "helper"}, dave.token)
    assert status == 403 and "not eligible" in refused["error"]["message"]
    status, log = await server.get(f"/api/admin/audit?account_id={me(bob)}", dave.token)
    assert log["entries"] == []
    await mona.ok("case.vouch", {"case_id": c2["id"], "trainee_id": me(bob)})
    status, body = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "helper"}, carol.token)
    assert status == 403, "only admins promote"

    status, promoted = await server.post(f"/api/admin/accounts/{me(bob)}/promote",
                                         {"to": "helper", "reason": "three good cases"}, dave.token)
    assert status == 200, promoted
    assert promoted["account"]["roles"] == ["helper"]
    entry = promoted["audit"]
    assert entry["action"] == "promote" and entry["actor"]["id"] == me(dave) and entry["actor_label"] == "dave_admin"
    assert entry["account"]["id"] == me(bob) and entry["roles_before"] == ["trainee"] and entry["roles_after"] == ["helper"]
    assert entry["reason"] == "three good cases" and entry["via"] == "api" and entry["at"].endswith("Z")
    assert entry["details"]["forced"] is False and entry["details"]["vouches"] == 3
    await bob.wait_for("account.updated", lambda a: a["account"]["roles"] == ["helper"])
    status, again = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "helper"}, dave.token)
    assert status == 409
    # bob now claims on his own, no monitor needed
    await carol.ok("duty.set", {"on_duty": False})
    await mona.ok("duty.set", {"on_duty": False})
    _, later, _ = await open_case(server)
    assert (await bob.ok("case.claim", {"case_id": later["id"]}))["case"]["helper"]["id"] == me(bob)
    status, trainees = await server.get("/api/admin/trainees", dave.token)
    assert me(bob) not in [t["account"]["id"] for t in trainees["trainees"]]


async def test_forced_promotion_and_role_changes_are_audited(server: LiveServer) -> None:
    dave = await server.staff("dave_admin", ["admin"])
    bob = await server.staff("bob_trainee", ["trainee"])
    alice = await server.staff("alice_helper", ["helper"])
    status, body = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "helper", "force": True},
                                     dave.token)
    assert status == 200 and body["audit"]["details"]["forced"] is True
    assert body["audit"]["reason"].startswith("forced while not eligible")
    status, body = await server.post(f"/api/admin/accounts/{me(bob)}/promote", {"to": "monitor"}, dave.token)
    assert status == 400

    status, body = await server.post(f"/api/admin/accounts/{me(alice)}/roles",
                                     {"grant": ["monitor"], "reason": "covers nights"}, dave.token)
    assert status == 200 and body["account"]["roles"] == ["helper", "monitor"]
    assert [(e["action"], e["roles_before"], e["roles_after"]) for e in body["audit"]] == [
        ("grant", ["helper"], ["helper", "monitor"])]
    # the grant takes effect on the connected socket: alice now hears staff:monitors
    await alice.wait_for("account.updated", lambda a: "monitor" in a["account"]["roles"])
    rita, case, _ = await open_case(server)
    await alice.wait_for("case.updated", lambda c: c["id"] == case["id"])
    status, body = await server.post(f"/api/admin/accounts/{me(alice)}/roles",
                                     {"grant": ["trainee"], "revoke": ["monitor"], "reason": "rota change"}, dave.token)
    assert [e["action"] for e in body["audit"]] == ["grant", "revoke"]
    assert body["account"]["roles"] == ["helper", "trainee"]
    for bad in ({"grant": ["wizard"]}, {"grant": ["helper"], "revoke": ["helper"]}, {}, {"grant": "helper"}):
        status, _ = await server.post(f"/api/admin/accounts/{me(alice)}/roles", bad, dave.token)
        assert status == 400, bad
    status, _ = await server.post(f"/api/admin/accounts/{me(alice)}/roles", {"grant": ["admin"]}, alice.token)
    assert status == 403
    status, _ = await server.post("/api/admin/accounts/99999/roles", {"grant": ["admin"]}, dave.token)
    assert status == 404
    status, body = await server.post(f"/api/admin/accounts/{me(dave)}/roles", {"revoke": ["admin"]}, dave.token)
    assert status == 403 and "no admin" in body["error"]["message"], "never leave the site without an admin"

    status, log = await server.get("/api/admin/audit", dave.token)
    assert status == 200
    actions = [(e["action"], e["account"]["username"], e["reason"]) for e in log["entries"]]
    assert actions == [("revoke", "alice_helper", "rota change"), ("grant", "alice_helper", "rota change"),
                       ("grant", "alice_helper", "covers nights"), ("promote", "bob_trainee", actions[-1][2])]
    assert all(e["actor"]["username"] == "dave_admin" for e in log["entries"])
    page = (await server.get(f"/api/admin/audit?limit=2&before={log['entries'][1]['id']}", dave.token))[1]
    assert [e["id"] for e in page["entries"]] == [e["id"] for e in log["entries"][2:4]]
    status, _ = await server.get("/api/admin/audit", alice.token)
    assert status == 403
    status, _ = await server.get("/api/admin/audit?limit=abc", dave.token)
    assert status == 400

    status, accounts = await server.get("/api/admin/accounts", dave.token)
    by_name = {a["username"]: a for a in accounts["accounts"]}
    assert by_name["bob_trainee"]["roles"] == ["helper"] and by_name["dave_admin"]["connected"] is True
    assert all(not a["is_guest"] for a in accounts["accounts"])
    status, helpers = await server.get("/api/admin/accounts?role=helper", dave.token)
    assert {a["username"] for a in helpers["accounts"]} == {"alice_helper", "bob_trainee"}
    status, _ = await server.get("/api/admin/accounts", rita.token)
    assert status == 403


async def test_admin_creates_and_edits_accounts_audited(server: LiveServer) -> None:
    dave = await server.staff("dave_admin", ["admin"])
    status, body = await server.post("/api/admin/accounts", {"username": "nina_trainee", "password": "long enough pw",
                                                             "roles": ["trainee"], "display_name": "Nina"}, dave.token)
    assert status == 201 and body["account"]["roles"] == ["trainee"] and body["audit"][0]["action"] == "create"
    nina = body["account"]["id"]
    status, _ = await server.post("/api/admin/accounts", {"username": "nina_trainee", "password": "long enough pw"},
                                  dave.token)
    assert status == 409
    async with server.http.patch(f"{server.url}/api/admin/accounts/{nina}", json={
            "display_name": "Nina N.", "roles": ["helper"], "teams": ["admissions"], "reason": "hired"},
            headers={"Authorization": f"Bearer {dave.token}"}) as r:
        assert r.status == 200
        body = await r.json()
    assert body["account"]["display_name"] == "Nina N." and body["account"]["roles"] == ["helper"]
    assert body["account"]["teams"] == ["admissions"]
    assert [e["action"] for e in body["audit"]] == ["grant", "revoke", "teams"]
    status, login = await server.post("/api/session", {"username": "nina_trainee", "password": "long enough pw"})
    assert status == 200 and login["account"]["roles"] == ["helper"]
