"""Small helpers for the helpdesk tests (real server, real sockets)."""

from __future__ import annotations

from typing import Any

from tests.support import Client, LiveServer


async def ask(server: LiveServer, name: str = "Rita", topic: str = "general", body: str = "I cannot log in"
              ) -> tuple[Client, dict[str, Any]]:
    """A guest requester who opens a case; returns (client, ack)."""
    rita = await server.requester(name)
    ack = await rita.ok("help.request", {"topic": topic, "body": body})
    return rita, ack


async def admin(server: LiveServer, name: str = "dave_admin") -> Client:
    return await server.staff(name, ["admin"])


async def case_of(staff: Client, case_id: int) -> dict[str, Any]:
    return (await staff.ok("case.get", {"case_id": case_id}))["case"]  # type: ignore[no-any-return]


async def say(c: Client, room_id: int, body: str, kind: str = "chat", sensitive: bool = False) -> dict[str, Any]:
    payload = {"room_id": room_id, "body": body, "client_id": f"{c.name}-{body}"[:64], "kind": kind,
               "sensitive": sensitive}
    return (await c.ok("message.send", payload))["message"]  # type: ignore[no-any-return]


async def request(server: LiveServer, method: str, path: str, token: str | None, body: Any = None
                  ) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with server.http.request(method, server.url + path, json=body, headers=headers) as r:
        ctype = r.headers.get("Content-Type", "")
        data = await r.json() if "json" in ctype else await r.text()
        return r.status, data, dict(r.headers)


async def leave(server: LiveServer, c: Client, case_id: int) -> None:
    """Close a requester's socket and wait until the server has noted that they left (the disconnect
    hook runs after the socket is gone, so the test must not move the clock before it has run)."""
    import asyncio

    from server.storage.models import Case

    await c.close()
    assert server.deps is not None
    for _ in range(200):
        async with server.deps.db.read() as s:
            case = await s.get(Case, case_id)
            if case is not None and case.requester_left_at is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the server did not note that the requester left")
