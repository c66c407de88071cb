"""Browser fixtures: headless Debian Chromium driven by the Python playwright package, against a real
server started by the shared `server` fixture (in-process, real port, so the web client, REST and
Socket.IO are the real ones). Every test here is marked `browser` and is skipped with a clear reason
when Chromium or playwright is missing.

Screenshots of each test's key screen go to test-artifacts/screenshots/ at the repository root.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from server.clock import FakeClock
from tests.support import PASSWORD, REPO, LiveServer

CHROMIUM = os.environ.get("LIVEHELP_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
SOCKET_IO_JS = REPO / "web" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def _skip_reason() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install playwright)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LIVEHELP_CHROMIUM)"
    if not SOCKET_IO_JS.exists():
        return "web/node_modules is missing: run `npm ci` in web/"
    return None


SKIP_REASON = _skip_reason()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here) and Path(str(item.fspath)).name != "test_js_units.py":
            item.add_marker(pytest.mark.browser)
            if SKIP_REASON:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture
def clock() -> FakeClock:
    # Start the server's clock at the real time so waiting times on screen look like a person's day.
    return FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        try:
            yield b
        finally:
            await b.close()


class Pages:
    """Opens pages in separate browser contexts (one person each) and records page errors."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.errors: list[str] = []
        self.contexts: list[Any] = []

    async def new(self, path: str | None = "/", *, width: int = 1280, height: int = 860, bypass_csp: bool = False,
                  **context: Any) -> Any:
        ctx = await self.browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp, **context)
        self.contexts.append(ctx)
        page = await ctx.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        # HTTP errors the client handles (a 404 for an optional route, a refused action) are logged by the
        # browser as "Failed to load resource"; only script errors count as failures here.
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" and "Failed to load resource" not in m.text else None)
        if path is not None:
            await page.goto(self.server.url + path)
        return page

    async def requester(self, name: str, question: str, *, topic: str | None = None) -> Any:
        page = await self.new("/", width=480, height=820)
        await page.wait_for_selector("#start:not([hidden])")
        await page.fill("#name", name)
        if topic is not None and await page.is_visible("#topic"):
            await page.select_option("#topic", topic)
        await page.fill("#question", question)
        await page.click("#start-submit")
        await page.wait_for_selector("#chat:not([hidden])")
        return page

    async def staff(self, username: str, roles: list[str], *, teams: list[str] = (), path: str = "/console",  # type: ignore[assignment]
                    on_duty: bool = True, display_name: str | None = None, bypass_csp: bool = False) -> Any:
        await self.server.create_account(username, roles, list(teams), display_name=display_name or username.split("_")[0].title())
        page = await self.new(path, bypass_csp=bypass_csp)
        await login(page, username)
        if on_duty:
            await page.click("#duty-toggle")
            await page.wait_for_selector("#duty-toggle[aria-pressed=true]")
        return page

    async def close(self) -> None:
        for ctx in self.contexts:
            await ctx.close()


async def login(page: Any, username: str) -> None:
    await page.wait_for_selector("#login:not([hidden])")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_selector("#app:not([hidden])")


@pytest.fixture
async def pages(browser: Any, server: LiveServer) -> AsyncIterator[Pages]:
    p = Pages(browser, server)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
def shot() -> Callable[[Any, str], Awaitable[Path]]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def take(page: Any, name: str, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        return path

    return take

