"""Shared steps for the roles tests: a case in a given state, people by role."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.storage.models import Case, Presence
from tests.support import Client, LiveServer

# The periodic supervision check runs only when a test moves the FakeClock through the scheduler.
ROLES_OVERRIDES: dict[str, Any] = {
    "limits": {"events_per_second": 10000, "events_burst": 10000},
}


async def open_case(server: LiveServer, requester: Client | None = None, body: str = "I need help") -> tuple[Client, dict[str, Any], int]:
    """A requester (new unless given) asks for help: (requester, case, room_id)."""
    rita = requester or await server.requester()
    answer = await rita.ok("help.request", {"topic": "general", "body": body})
    return rita, answer["case"], answer["room"]["id"]


async def send(c: Client, room_id: int, body: str, kind: str = "chat", sensitive: bool = False,
               client_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"room_id": room_id, "body": body, "client_id": client_id or f"{c.name}-{body}",
                               "kind": kind}
    if sensitive:
        payload["sensitive"] = True
    return (await c.ok("message.send", payload))["message"]


@dataclass
class Supervised:
    """Bob's case under Carol's supervision, and who is around it."""
    carol: Client  # the supervising monitor, on duty
    bob: Client  # the trainee who claimed
    helper: Client | None  # Alice, a helper on duty, when asked for
    rita: Client  # the requester
    case: dict[str, Any]
    room_id: int

    @property
    def alice(self) -> Client:
        assert self.helper is not None, "claimed_under_carol(..., helper=True) brings Alice"
        return self.helper


async def claimed_under_carol(server: LiveServer, body: str = "I need help", helper: bool = False) -> Supervised:
    """Carol (monitor) and Bob (trainee) go on duty, and Alice (helper) too if asked; a requester opens a
    case and Bob claims it: Carol, the only monitor, supervises."""
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    bob = await server.staff("bob_trainee", ["trainee"], on_duty=True)
    alice = await server.staff("alice_helper", ["helper"], on_duty=True) if helper else None
    rita, case, room_id = await open_case(server, body=body)
    await bob.ok("case.claim", {"case_id": case["id"]})
    return Supervised(carol, bob, alice, rita, case, room_id)


def me(c: Client) -> int:
    return int(c.account["id"])  # type: ignore[attr-defined]


async def monitor_away(server: LiveServer, case_id: int, timeout: float = 5) -> None:
    """Wait until the server handled the supervising monitor's disconnect (the grace has started)."""
    assert server.deps is not None
    for _ in range(int(timeout / 0.02)):
        async with server.deps.db.read() as s:
            if (await s.execute(select(Case.monitor_away_since).where(Case.id == case_id))).scalar() is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"case {case_id}: the monitor's grace never started")


async def past_the_grace(server: LiveServer, case_id: int) -> None:
    """The monitor's socket dropped: let roles.monitor_grace pass on the FakeClock (the hand-over runs)."""
    assert server.deps is not None
    await monitor_away(server, case_id)
    await server.deps.scheduler.advance(server.deps.config.roles.monitor_grace)


async def disconnected(server: LiveServer, account_id: int, timeout: float = 5) -> None:
    """Wait until the server has forgotten every socket of the account (its disconnect is handled)."""
    assert server.deps is not None
    for _ in range(int(timeout / 0.02)):
        async with server.deps.db.read() as s:
            if (await s.execute(select(Presence.sid).where(Presence.account_id == account_id))).first() is None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"account {account_id} still looks connected")
