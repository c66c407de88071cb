"""Helpdesk tests: jobs run when a test moves the FakeClock (`await server.deps.scheduler.advance(s)`)
or when it calls a job's run_once itself."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def helpdesk_overrides() -> dict[str, Any]:
    """Per-module helpdesk settings layered over config.yaml (override this fixture in a module)."""
    return {}


@pytest.fixture
def config_overrides(helpdesk_overrides: dict[str, Any]) -> dict[str, Any]:
    return helpdesk_overrides
