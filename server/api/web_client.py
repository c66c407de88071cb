"""Serves the browser client from web/: pages, static modules and the npm packages it loads (the socket.io
client; Chart.js for the admin Reports charts), each from web/node_modules as `npm ci` installed it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
PAGES = {"/": "index.html", "/console": "console.html", "/monitor": "monitor.html", "/admin": "admin.html"}
SOCKET_IO_JS = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHART_JS = WEB_DIR / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
# URL under /vendor/ -> the file in node_modules (pinned by web/package-lock.json).
VENDOR = {"socket.io.min.js": SOCKET_IO_JS, "chart.umd.min.js": CHART_JS}


def add_routes(app: web.Application) -> None:
    for path, page in PAGES.items():
        app.router.add_get(path, _page(WEB_DIR / page))
    for name, file in VENDOR.items():
        app.router.add_get(f"/vendor/{name}", _vendor(file))
    if (WEB_DIR / "static").is_dir():
        app.router.add_static("/static/", WEB_DIR / "static", follow_symlinks=False)


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    installed = file.exists()  # checked once at start: the files do not come and go while serving

    async def handler(request: web.Request) -> web.StreamResponse:
        if not installed:
            raise web.HTTPNotFound(text="the web client is not installed (run: make web)")
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    return handler


def _vendor(file: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    installed = file.exists()  # checked once at start, as for the pages (`npm ci` runs before serving)

    async def handler(request: web.Request) -> web.StreamResponse:
        if not installed:
            raise web.HTTPNotFound(text=f"{file.name} missing: run `npm ci` in web/ (make web)")
        return web.FileResponse(file)

    return handler
