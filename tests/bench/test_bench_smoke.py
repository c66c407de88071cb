"""Smoke test for bench/: the quick run against the bare server completes and delivers.

No timing assertions: the machine is shared and figures are noisy; this only guards
the load generator and the report from rotting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_bare_run_delivers_without_errors(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--target", "bare", "--json", str(out)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())["targets"]["bare"]
    assert "error" not in result, result["error"]
    assert result["clients"] == 30
    for name in ("paced", "saturate"):
        phase = result["phases"][name]
        assert phase["deliveries"] > 0, phase
        assert phase["error_count"] == 0, phase
        assert phase["lost"] == 0, phase
        assert phase["duplicates"] == 0 and phase["seq_gaps"] == 0, phase


@pytest.mark.slow
def test_idle_memory_mode_connects_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "idle.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--idle", "30", "--json", str(out)],
        check=False, cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())["targets"]["livehelp"]
    assert result["clients"] == 30 and result["connect"]["failed"] == 0
    assert result["rss_total_mb"] > 0 and result["rss_per_client_kb"] is not None
    assert "idle clients connected" in done.stdout
