"""Dependency audit run by scripts/test.sh: pip-audit over the installed venv and `npm audit` over web/'s
runtime dependencies.

Known vulnerabilities fail the build (exit 1), unless their id is in scripts/audit-ignore.txt with a reason.
When the vulnerability service cannot be reached (an offline machine, a registry mirror that does not serve
the audit endpoints), the audit says so in one clear block and warns (exit 0): an outage of a service we do
not run must not turn every build red for no change of ours, or people learn to ignore red builds. Set
LIVEHELP_AUDIT_STRICT=1 (release builds) to make an incomplete audit fail too.

pip-audit's PyPI service asks /pypi/NAME/VERSION/json; a package it could not look up is reported as
skipped, and pip-audit still prints "No known vulnerabilities found". That is not a pass: we count skips
as unaudited, and try PyPI's project document (/pypi/NAME/json) whose `vulnerabilities` describe the
latest release, which settles every package installed at its latest version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
IGNORE_FILE = REPO / "scripts" / "audit-ignore.txt"
PYTHON = REPO / ".venv" / "bin" / "python"
TIMEOUT = 20


def ignored_ids() -> dict[str, str]:
    """`ID  # reason` per line; an entry without a reason is refused (every exception must say why)."""
    out: dict[str, str] = {}
    if not IGNORE_FILE.exists():
        return out
    for n, line in enumerate(IGNORE_FILE.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ident, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"audit: {IGNORE_FILE.name}:{n}: {ident.strip()} has no reason (write `ID  # why`)")
        out[ident.strip()] = reason.strip()
    return out


def project_vulns(name: str, version: str) -> list[dict[str, Any]] | None:
    """Vulnerabilities of NAME at VERSION from PyPI's project document, or None when it cannot tell."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=TIMEOUT) as r:
            doc = json.load(r)
    except (OSError, ValueError):
        return None
    if doc.get("info", {}).get("version") != version:
        return None  # the document's vulnerabilities describe the latest release only
    return [v for v in doc.get("vulnerabilities") or [] if not v.get("withdrawn")]


def audit_python(ignore: dict[str, str]) -> tuple[list[str], list[str]]:
    """(findings, unaudited) for the installed venv."""
    cmd = [str(PYTHON), "-m", "pip_audit", "-s", "pypi", "-f", "json", "--skip-editable", "--progress-spinner", "off"]
    for ident in ignore:
        cmd += ["--ignore-vuln", ident]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [], [f"pip-audit did not run to the end: {tail}"]
    findings: list[str] = []
    skipped: list[tuple[str, str, str]] = []
    for dep in report.get("dependencies", []):
        for v in dep.get("vulns", []):
            fix = ", ".join(v.get("fix_versions") or []) or "no fixed release"
            findings.append(f"{dep['name']} {dep.get('version')}: {v['id']} (fixed in: {fix})")
        if dep.get("skip_reason") and "editable" not in dep["skip_reason"]:  # livehelp itself: our source
            version = dep["skip_reason"].rsplit("(", 1)[-1].rstrip(")") if "(" in dep["skip_reason"] else ""
            skipped.append((dep["name"], version, dep["skip_reason"]))
    unaudited: list[str] = []
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda s: project_vulns(s[0], s[1]), skipped))
    for (name, version, reason), vulns in zip(skipped, answers, strict=True):
        if vulns is None:
            unaudited.append(f"{name} {version}: {reason}")
            continue
        for v in vulns:
            ids = {v.get("id"), *(v.get("aliases") or [])}
            if ids & set(ignore):
                continue
            fix = ", ".join(v.get("fixed_in") or []) or "no fixed release"
            findings.append(f"{name} {version}: {v.get('id')} (fixed in: {fix})")
    return findings, unaudited


def audit_web(ignore: dict[str, str]) -> tuple[list[str], list[str]]:
    """(findings, unaudited) for web/'s runtime dependencies (devDependencies are test tools only)."""
    try:
        proc = subprocess.run(["npm", "audit", "--omit=dev", "--json"], cwd=REPO / "web", capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], [f"npm audit could not run: {exc}"]
    try:
        report = json.loads(proc.stdout or "{}")
    except ValueError:
        return [], [f"npm audit gave no report: {(proc.stderr.strip().splitlines() or ['no output'])[-1]}"]
    if "error" in report or "statusCode" in report or "vulnerabilities" not in report:
        why = report.get("message") or report.get("error", {}).get("summary") or "no report"
        return [], [f"npm audit service: {why}"]
    findings = []
    for name, item in report["vulnerabilities"].items():
        sources = [v for v in item.get("via", []) if isinstance(v, dict)]
        urls = [v.get("url", "") for v in sources] or [f"via {item.get('via')}"]
        if sources and all(any(i in u for i in ignore) for u in urls):
            continue
        findings.append(f"web: {name} ({item.get('severity')}): {', '.join(urls)}")
    return findings, []


def main() -> int:
    ignore = ignored_ids()
    py_findings, py_unaudited = audit_python(ignore)
    web_findings, web_unaudited = audit_web(ignore)
    findings, unaudited = py_findings + web_findings, py_unaudited + web_unaudited
    for reason in ignore.values():
        print(f"audit: ignored by scripts/audit-ignore.txt: {reason}")
    if findings:
        print(f"audit: FAILED: {len(findings)} known vulnerabilit{'y' if len(findings) == 1 else 'ies'}:")
        for line in findings:
            print(f"  {line}")
        print("audit: upgrade the package (pyproject.toml / web/package.json), or, only if truly unfixable, "
              "add its id to scripts/audit-ignore.txt with the reason")
        return 1
    if unaudited:
        strict = os.environ.get("LIVEHELP_AUDIT_STRICT") == "1"
        print(f"audit: {'FAILED' if strict else 'WARNING'}: INCOMPLETE: {len(unaudited)} item(s) could not be "
              f"checked (vulnerability service unreachable?):")
        for line in unaudited[:8]:
            print(f"  {line}")
        if len(unaudited) > 8:
            print(f"  ... and {len(unaudited) - 8} more")
        print("audit: nothing known-vulnerable was found among what could be checked; "
              "LIVEHELP_AUDIT_STRICT=1 makes this fail")
        return 1 if strict else 0
    print("audit: no known vulnerabilities (Python venv and web/ runtime dependencies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
