"""The permission matrix, table-driven against a real server: every event x every person x the relevant
case states of roles/matrix.py (generated from roles/policy.py) is played over real sockets and REST, and
the answer (ok, forbidden, conflict) must be the one the policy gives. Also: docs/roles-matrix.md is
exactly what `python -m roles.matrix` prints."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from roles import matrix
from tests.roles.helpers import ROLES_OVERRIDES
from tests.support import Client, LiveServer

REPO = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # Many cases per person in one test: lift the help desk's per-person cap on open cases.
    return {**ROLES_OVERRIDES, "helpdesk": {"max_open_cases": 100}}


def test_committed_matrix_is_generated_from_the_policy() -> None:
    committed = (REPO / "docs" / "roles-matrix.md").read_text(encoding="utf-8")
    assert committed == matrix.render(), (
        "docs/roles-matrix.md is out of date with roles/policy.py: run "
        "`.venv/bin/python -m roles.matrix > docs/roles-matrix.md` and commit it")


class World:
    """One connected client per person (the requester is new for every case) and a case in one state."""

    def __init__(self, server: LiveServer, state: matrix.State) -> None:
        self.server = server
        self.state = state
        self.people: dict[str, Client] = {}
        self.requester: Client | None = None
        self.case: dict[str, Any] | None = None
        self.room_id = 0
        self.first_message_id = 0

    async def start(self) -> None:
        for p in matrix.CASE_PERSONAS:
            if p.key == "requester":
                continue
            on_duty = self.state.monitors_on_duty or "monitor" not in p.roles
            self.people[p.key] = await self.server.staff(p.key, sorted(p.roles), on_duty=on_duty)

    def id_of(self, persona: str) -> int:
        return int(self.people[persona].account["id"])  # type: ignore[attr-defined]

    async def fresh_case(self) -> None:
        """Build the state from scratch, step by step, exactly as the matrix's recipe says."""
        if self.requester is not None:
            await self.requester.close()
        self.requester = await self.server.requester("Rita")
        answer = await self.requester.ok("help.request", {"topic": "general", "body": "help me please"})
        self.case, self.room_id = answer["case"], answer["room"]["id"]
        history = (await self.requester.ok("room.history", {"room_id": self.room_id}))["messages"]
        self.first_message_id = history[0]["id"]
        for event, who in self.state.recipe:
            await self.people[who].ok(event, {"case_id": self.case["id"]})

    def client(self, persona: str) -> Client:
        assert self.requester is not None
        return self.requester if persona == "requester" else self.people[persona]

    def payload(self, ev: matrix.CaseEvent) -> dict[str, Any]:
        assert self.case is not None
        if ev.event == "message.send":
            return {"room_id": self.room_id, "body": "matrix", "client_id": f"m{next(_serial)}", "kind": ev.kind}
        if ev.event in ("room.history", "room.join", "room.leave"):
            return {"room_id": self.room_id}
        if ev.event == "case.vouch":
            return {"case_id": self.case["id"], "trainee_id": self.id_of("trainee_case")}
        if ev.event == "message.mark_sensitive":
            return {"message_id": self.first_message_id}
        if ev.event == "case.escalate":
            return {"case_id": self.case["id"], "route": "social", "priority": "high", "note": "matrix hand-off"}
        if ev.event == "case.transfer":
            return {"case_id": self.case["id"], "queue": "general", "note": "matrix transfer"}
        if ev.event == "case.involve_expert":
            return {"case_id": self.case["id"], "team": "experts:frontend"}
        if ev.event == "case.flag":
            return {"case_id": self.case["id"], "kind": "personal_escalation", "note": "matrix flag"}
        return {"case_id": self.case["id"]}


@pytest.mark.parametrize("state_key", [s.key for s in matrix.STATES])
async def test_every_case_event_person_and_state_on_a_real_server(server: LiveServer, state_key: str) -> None:
    state = matrix.STATE[state_key]
    world = World(server, state)
    await world.start()
    wrong: list[str] = []
    played = 0
    for ev in matrix.CASE_EVENTS:
        if state_key not in ev.states:
            continue
        for p in matrix.CASE_PERSONAS:
            want = matrix.expected(ev, state, p.key)
            if want == matrix.ABSENT:
                continue
            if world.case is None:
                await world.fresh_case()
            answer = await world.client(p.key).call(ev.event, world.payload(ev))
            got = matrix.OK if answer.get("ok") else answer["error"]["code"]
            played += 1
            if got != want:
                wrong.append(f"{ev.name} by {p.label} in {state_key}: server {got} "
                             f"({answer.get('error', {}).get('message', '')}), policy {want} "
                             f"({matrix.reason(ev, state, p.key)})")
            if answer.get("ok") and ev.mutates:
                world.case = None  # the next cell needs the state rebuilt
    assert played > 0
    assert not wrong, "the server disagrees with the policy matrix:\n" + "\n".join(wrong)


async def test_every_role_event_on_a_real_server(server: LiveServer) -> None:
    people: dict[str, Client] = {}
    for p in matrix.ROLE_PERSONAS:
        people[p.key] = (await server.requester() if p.key == "requester"
                         else await server.staff(f"{p.key}_only", sorted(p.roles), on_duty=True))
    wrong: list[str] = []
    for ev in matrix.ROLE_EVENTS:
        for p in matrix.ROLE_PERSONAS:
            want = matrix.role_expected(ev, p)
            c = people[p.key]
            if ev.event is not None:
                payload: dict[str, Any] = {}
                if ev.event == "help.request":
                    payload = {"topic": "general", "body": "hello"}
                elif ev.event == "room.create":
                    payload = {"name": f"#matrix-{next(_serial)}"}
                elif ev.event == "duty.set":
                    payload = {"on_duty": True}
                answer = await c.call(ev.event, payload)
                got = matrix.OK if answer.get("ok") else answer["error"]["code"]
            else:
                assert ev.rest is not None
                method, path = ev.rest
                if "{id}" in path:
                    target = await server.create_account(f"target{next(_serial)}", ["trainee"])
                    path = path.replace("{id}", str(target["id"]))
                if method == "GET":
                    status, body = await server.get(path, c.token)
                else:
                    status, body = await server.post(path, ev.body or {}, c.token)
                got = matrix.OK if status < 300 else body["error"]["code"]
            if got != want:
                wrong.append(f"{ev.name} by {p.label}: server {got}, policy {want}")
    assert not wrong, "the server disagrees with the policy matrix:\n" + "\n".join(wrong)
