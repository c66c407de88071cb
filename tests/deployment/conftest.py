"""A deployment of several server processes on PostgreSQL and Redis (issue 16)."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import REPO, cheap_config_text


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("LIVEHELP_TEST_REDIS_URL") or ("redis://127.0.0.1:6379/0" if reachable(6379) else "")
    if not url:
        pytest.skip("no Redis reachable (set LIVEHELP_TEST_REDIS_URL)")
    return url


@pytest.fixture
def postgres_url(database_url: str) -> str:
    """The run's PostgreSQL database: these tests run in the PostgreSQL pass of scripts/test.sh."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a deployment of several processes runs on PostgreSQL: this test runs in the PostgreSQL pass")
    return database_url


def deployment_config(tmp: Path, redis_url: str, changes: dict[str, dict[str, Any]]) -> Path:
    """The shipped config.yaml (cheap hashes) with Redis on a channel of its own and `changes` merged in."""
    raw = yaml.safe_load(cheap_config_text((REPO / "config.yaml").read_text()))
    raw["server"].update({"redis_url": redis_url, "redis_channel": f"livehelp-test-{uuid.uuid4().hex[:12]}",
                          "ping_interval": "2s", "ping_timeout": "2s"})
    for section, values in changes.items():
        target = raw.setdefault(section, {})
        for key, value in values.items():
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key].update(value)
            else:
                target[key] = value
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path
