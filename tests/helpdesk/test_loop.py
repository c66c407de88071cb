"""The periodic jobs through the scheduler: moving the FakeClock runs them; nobody calls run_once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpdesk.desk import ask
from tests.support import LiveServer


@pytest.fixture
def helpdesk_overrides() -> dict[str, Any]:
    return {"helpdesk": {"jobs_interval": 15}}


async def test_the_loop_raises_due_alerts_without_being_called(server: LiveServer) -> None:
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    _, ack = await ask(server)
    assert server.deps is not None and server.clock is not None
    await server.deps.scheduler.advance(minutes=11)
    alert = await carol.wait_for("alert", lambda a: a["kind"] == "sla_breach")
    assert alert["case_id"] == ack["case"]["id"] and alert["level"] == "warning"
    await server.deps.scheduler.advance(seconds=15)  # the next pass
    await carol.settle()
    assert len(carol.received("alert", lambda a: a["kind"] == "sla_breach")) == 1  # each pass remembers it
