"""The monitor's view over a real server: every live case with state, participants (shadows too),
waiting times and supervision load, kept live by case.updated and monitor.case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.roles.helpers import ROLES_OVERRIDES, me, open_case, send
from tests.support import LiveServer


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return ROLES_OVERRIDES


async def test_overview_lists_live_cases_participants_waits_and_load(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    mona = await server.staff("mona_monitor", ["monitor"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    tina = await server.staff("tina_trainee", ["trainee"], on_duty=True)
    dave = await server.staff("dave_admin", ["admin"])

    _, waiting, _ = await open_case(server)
    server.clock.advance(minutes=2)
    _, helped, helped_room = await open_case(server)
    await alice.ok("case.claim", {"case_id": helped["id"]})
    server.clock.advance(seconds=30)
    await send(alice, helped_room, "hi there")
    await mona.ok("case.supervise", {"case_id": waiting["id"]})
    _, trained, _ = await open_case(server)
    await carol.ok("case.supervise", {"case_id": trained["id"]})
    await bob.ok("case.claim", {"case_id": trained["id"]})
    await tina.ok("case.shadow", {"case_id": trained["id"]})
    _, closed, _ = await open_case(server)
    await alice.ok("case.claim", {"case_id": closed["id"]})
    await alice.ok("case.resolve", {"case_id": closed["id"]})
    server.clock.advance(minutes=1)

    view = await carol.ok("monitor.overview")
    cases = {c["id"]: c for c in view["cases"]}
    assert list(cases) == [waiting["id"], helped["id"], trained["id"]], "live cases, oldest first"
    assert cases[waiting["id"]]["status"] == "queued" and cases[waiting["id"]]["waiting_seconds"] == 210
    assert cases[waiting["id"]]["age_seconds"] == 210
    assert cases[helped["id"]]["helper"]["id"] == me(alice)
    t = cases[trained["id"]]
    assert t["trainee"]["id"] == me(bob) and t["monitor"]["id"] == me(carol) and t["requester"] is not None
    assert [(s["id"], s["roles"]) for s in t["shadows"]] == [(me(tina), ["trainee"])]
    load = {row["monitor"]["id"]: row for row in view["supervision"]}
    assert load[me(carol)]["cases"] == 1 and load[me(carol)]["trainees"] == [{"id": me(bob), "display_name": "Bob"}]
    assert load[me(mona)]["cases"] == 1 and load[me(mona)]["trainees"] == []
    assert load[me(carol)]["available"] is True
    assert view["on_duty"] == {"monitors": 2, "helpers": 1, "trainees": 2}

    assert (await dave.ok("monitor.overview"))["cases"], "admins see it too"
    for c in (alice, bob):
        assert await c.error("monitor.overview") == "forbidden"

    # live: a shadow joining or leaving reaches the monitors as monitor.case
    await alice.ok("case.shadow", {"case_id": trained["id"]})
    update = await mona.wait_for("monitor.case", lambda e: e["case"]["id"] == trained["id"]
                                 and me(alice) in [s["id"] for s in e["case"]["shadows"]])
    assert update["case"]["trainee"]["id"] == me(bob)
    await tina.ok("case.unshadow", {"case_id": trained["id"]})
    await mona.wait_for("monitor.case", lambda e: e["case"]["id"] == trained["id"]
                        and [s["id"] for s in e["case"]["shadows"]] == [me(alice)])
    # state changes arrive as case.updated on staff:monitors
    _, fresh, _ = await open_case(server)
    await carol.wait_for("case.updated", lambda c: c["id"] == fresh["id"] and c["status"] == "queued")
    await alice.ok("case.claim", {"case_id": fresh["id"]})
    await carol.wait_for("case.updated", lambda c: c["id"] == fresh["id"] and c["status"] == "active")
    await bob.settle()
    assert not bob.received("monitor.case"), "the overview stream is for monitors and admins"
