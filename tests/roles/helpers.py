"""Shared steps for the roles tests: a case in a given state, people by role."""

from __future__ import annotations

from typing import Any

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


def me(c: Client) -> int:
    return int(c.account["id"])  # type: ignore[attr-defined]
