"""Smoke test of `python -m bench.run --processes 2`: one and two livehelp processes on PostgreSQL and
Redis carry the same quick load with nothing lost. No timing assertions (figures go in bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_quick_two_process_run_delivers_without_loss(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    server = make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False)
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--processes", "2", "--database-url", server,
         "--redis-url", redis_url, "--json", str(out)],
        check=False, cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 processes" in done.stdout
    doc = json.loads(out.read_text())
    assert doc["scaling_ratio"] is not None
    for name, result in doc["targets"].items():
        assert "error" not in result, (name, result.get("error"))
        assert result["clients"] == 30
        assert result["processes"] == (1 if name == "x1" else 2)
        for phase in result["phases"].values():
            assert phase["deliveries"] > 0 and phase["lost"] == 0 and phase["error_count"] == 0, phase
            assert phase["duplicates"] == 0 and phase["seq_gaps"] == 0, phase
