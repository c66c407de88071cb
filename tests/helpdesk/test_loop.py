"""The periodic loop itself: with a short interval it runs the jobs on its own and stops with the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpdesk.desk import ask
from tests.support import LiveServer


@pytest.fixture
def helpdesk_overrides() -> dict[str, Any]:
    return {"helpdesk": {"jobs_interval": 0.1}}


async def test_the_loop_raises_due_alerts_without_being_called(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    _, ack = await ask(server)
    server.clock.advance(minutes=11)
    alert = await carol.wait_for("alert", lambda a: a["kind"] == "sla_breach")
    assert alert["case_id"] == ack["case"]["id"] and alert["level"] == "warning"
    await carol.settle()
    assert len(carol.received("alert")) == 1  # each pass remembers what it raised
