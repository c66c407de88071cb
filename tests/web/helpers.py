"""Helpers for the browser tests."""

from __future__ import annotations

import pytest

from tests.support import LiveServer


async def require_events(server: LiveServer, *events: str) -> None:
    """Skip (with the reason) while the server does not implement an event this flow needs yet."""
    guest = await server.guest("probe")
    probe = await server.client(guest["token"], "probe")
    try:
        for event in events:
            answer = await probe.call(event, {})
            err = answer.get("error") or {}
            if not answer.get("ok") and "unknown event" in str(err.get("message", "")):
                pytest.skip(f"the server does not implement {event!r} yet")
    finally:
        await probe.close()
