"""Helpdesk tests: the background job loop is off (tests call run_once with the FakeClock)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def helpdesk_overrides() -> dict[str, Any]:
    """Per-module helpdesk settings layered over config.yaml (override this fixture in a module)."""
    return {}


@pytest.fixture
def config_overrides(helpdesk_overrides: dict[str, Any]) -> dict[str, Any]:
    from server.config import merge

    return merge({"helpdesk": {"jobs_interval": 0}}, helpdesk_overrides)
