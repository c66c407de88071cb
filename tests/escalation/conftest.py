"""Escalation tests: background loops off (tests call run_once with the FakeClock)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def escalation_overrides() -> dict[str, Any]:
    """Per-module settings layered over config.yaml (override this fixture in a module)."""
    return {}


@pytest.fixture
def config_overrides(escalation_overrides: dict[str, Any]) -> dict[str, Any]:
    return escalation_overrides
