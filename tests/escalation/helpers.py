"""Small helpers for the escalation tests (real server, real sockets)."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support import Client, LiveServer

_n = itertools.count(1)


async def claimed_case(server: LiveServer, helper: Client, body: str = "My code will not compile",
                       name: str = "Rita") -> tuple[Client, dict[str, Any]]:
    """A guest requester with a case that `helper` has claimed; returns (requester, case)."""
    rita = await server.requester(name)
    ack = await rita.ok("help.request", {"topic": "general", "body": body})
    case = (await helper.ok("case.claim", {"case_id": ack["case"]["id"]}))["case"]
    return rita, case


async def routes(c: Client) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in (await c.ok("escalation.routes"))["routes"]}


async def say(c: Client, room_id: int, body: str, kind: str = "chat") -> dict[str, Any]:
    payload = {"room_id": room_id, "body": body, "client_id": f"m{next(_n)}", "kind": kind}
    return (await c.ok("message.send", payload))["message"]  # type: ignore[no-any-return]


async def case_of(staff: Client, case_id: int) -> dict[str, Any]:
    return (await staff.ok("case.get", {"case_id": case_id}))["case"]  # type: ignore[no-any-return]


def escalate_payload(case_id: int, route: str = "social", priority: str = "high",
                     note: str = "Asked about a public post; tried the FAQ link", **extra: Any) -> dict[str, Any]:
    return {"case_id": case_id, "route": route, "priority": priority, "note": note, **extra}


def texts(c: Client, room_id: int | None = None) -> list[str]:
    """Bodies of every message this client received (optionally in one room)."""
    return [m["body"] for m in c.received("message") if room_id is None or m["room_id"] == room_id]


BLOCKER_CHECKLIST = ["Tried a full refresh", "Searched the docs", "Reproduced it yourself", "Asked other helpers",
                     "The user cannot move forward"]
