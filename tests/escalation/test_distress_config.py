"""Personal escalation patterns and who is alerted come from config.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.escalation.helpers import claimed_case, say
from tests.support import LiveServer


@pytest.fixture
def escalation_overrides() -> dict[str, Any]:
    return {"escalation": {"personal_escalation": {"patterns": ["unsubscrib*"], "notify": ["user:zed_monitor"]}}}


async def test_patterns_and_audience_come_from_config(server: LiveServer) -> None:
    alice = await server.staff("alice_helper", ["helper"])
    zed = await server.staff("zed_monitor", ["monitor"])
    carol = await server.staff("carol_monitor", ["monitor"], on_duty=True)
    rita, case = await claimed_case(server, alice)
    await say(rita, case["room_id"], "I quit")                     # not a pattern here
    await say(rita, case["room_id"], "How do I UNSUBSCRIBING from emails")
    got = await zed.wait_for("alert", lambda a: a["kind"] == "personal_escalation")
    assert got["matched"] == "unsubscribing"
    await zed.settle()
    assert len(zed.received("alert")) == 1 and not carol.received("alert")
