"""Runs the browser client's unit tests (tests/web/units.test.mjs) with node's test runner."""

from __future__ import annotations

import re
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


HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\("
                        r"|['\"](innerHTML|outerHTML)['\"]\s*:|\b(innerHTML|outerHTML)\s*:")
INLINE_IN_MARKUP = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=", re.I)


def test_no_html_sinks_and_no_inline_code() -> None:
    """User strings reach the page only as text: no script sets markup (innerHTML and friends, also
    through dom.js's el(tag, {innerHTML: ...})), and the pages hold no inline script, handler or style,
    so the CSP can stay `script-src 'self'; style-src 'self'`."""
    web = HERE.parents[1] / "web"
    found = []
    for path in sorted((web / "static").rglob("*.js")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if HTML_SINKS.search(line) and not line.lstrip().startswith("//"):
                found.append(f"{path.relative_to(web)}:{n}: {line.strip()}")
    for path in sorted(web.glob("*.html")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE_IN_MARKUP.search(line):
                found.append(f"{path.relative_to(web)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_readme_links_every_view_screenshot() -> None:
    """Each docs/screenshots/*.png (written by the browser tests' doc_shot) is linked from the README, and
    every screenshot the README links exists."""
    repo = HERE.parents[1]
    readme = (repo / "README.md").read_text()
    linked = set(re.findall(r"\((docs/screenshots/[\w.-]+\.png)\)", readme))
    present = {f"docs/screenshots/{p.name}" for p in (repo / "docs" / "screenshots").glob("*.png")}
    assert present - linked == set(), f"not linked from README.md: {sorted(present - linked)}"
    assert linked - present == set(), f"linked but missing: {sorted(linked - present)}"
    for view in ("requester", "console", "monitor", "admin", "trainee-shadowing", "escalate-dialog"):
        assert f"docs/screenshots/{view}.png" in linked, view
