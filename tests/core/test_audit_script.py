"""scripts/audit.py decides pass, fail and incomplete from the audit tools' reports: a known vulnerability
fails (unless ignored with a reason), a package nobody could look up is not a pass, an unreachable
service warns (or fails under LIVEHELP_AUDIT_STRICT=1). The tools' answers are canned here: the live run
is scripts/test.sh's, and needs the network."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support import REPO


def load_audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("livehelp_audit", REPO / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_tools(monkeypatch: pytest.MonkeyPatch, audit: ModuleType, pip_report: dict[str, Any],
               npm_report: dict[str, Any]) -> None:
    def run(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        report = npm_report if cmd[0] == "npm" else pip_report
        return subprocess.CompletedProcess(cmd, 1, json.dumps(report), "")

    monkeypatch.setattr(audit.subprocess, "run", run)
    monkeypatch.setattr(audit, "project_vulns", lambda name, version: None)


NPM_CLEAN = {"vulnerabilities": {}, "metadata": {}}
VULN = {"id": "PYSEC-2099-1", "fix_versions": ["9.9"], "aliases": ["CVE-2099-1"], "description": "x"}


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_audit()
    monkeypatch.setattr(module, "IGNORE_FILE", tmp_path / "ignore.txt")
    monkeypatch.delenv("LIVEHELP_AUDIT_STRICT", raising=False)
    return module


def test_a_known_vulnerability_fails(audit: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    fake_tools(monkeypatch, audit, {"dependencies": [{"name": "aiohttp", "version": "3.0", "vulns": [VULN]}]},
               NPM_CLEAN)
    assert audit.main() == 1
    assert "aiohttp 3.0: PYSEC-2099-1 (fixed in: 9.9)" in capsys.readouterr().out


def test_an_ignored_one_needs_a_reason(audit: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    audit.IGNORE_FILE.write_text("PYSEC-2099-1\n")
    with pytest.raises(SystemExit, match="has no reason"):
        audit.main()
    audit.IGNORE_FILE.write_text("PYSEC-2099-1  # no fixed release; the route is not exposed\n")
    fake_tools(monkeypatch, audit, {"dependencies": [{"name": "aiohttp", "version": "3.0", "vulns": []}]},
               NPM_CLEAN)
    assert audit.main() == 0


def test_unlooked_up_packages_and_an_unreachable_service_are_incomplete(
        audit: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    skipped = {"dependencies": [{"name": "yarl", "skip_reason": "Dependency not found on PyPI and could not be "
                                                                "audited: yarl (1.0)"}]}
    fake_tools(monkeypatch, audit, skipped, {"message": "405 Method Not Allowed", "statusCode": 405})
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert "WARNING: INCOMPLETE: 2 item(s)" in out and "yarl 1.0" in out and "405" in out
    monkeypatch.setenv("LIVEHELP_AUDIT_STRICT", "1")
    assert audit.main() == 1


def test_web_findings_fail(audit: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    npm = {"vulnerabilities": {"engine.io-client": {"severity": "high", "via": [
        {"source": 1, "url": "https://github.com/advisories/GHSA-xxxx-yyyy-zzzz", "title": "t"}]}}}
    fake_tools(monkeypatch, audit, {"dependencies": []}, npm)
    assert audit.main() == 1
    audit.IGNORE_FILE.write_text("GHSA-xxxx-yyyy-zzzz  # reason\n")
    assert audit.main() == 0
