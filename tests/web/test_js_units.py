"""Runs the browser client's unit tests (tests/web/units.test.mjs) with node's test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_client_units_pass_under_node() -> None:
    result = subprocess.run(["node", "--test", str(HERE / "units.test.mjs")], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
