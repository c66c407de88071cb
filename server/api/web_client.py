"""Serves the browser client from web/: pages, static modules and the socket.io client from npm."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
PAGES = {"/": "index.html", "/console": "console.html", "/monitor": "monitor.html", "/admin": "admin.html"}
SOCKET_IO_JS = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


def add_routes(app: web.Application) -> None:
    for path, page in PAGES.items():
        app.router.add_get(path, _page(WEB_DIR / page))
    app.router.add_get("/vendor/socket.io.min.js", _vendor)
    if (WEB_DIR / "static").is_dir():
        app.router.add_static("/static/", WEB_DIR / "static", follow_symlinks=False)


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    installed = file.exists()  # checked once at start: the files do not come and go while serving

    async def handler(request: web.Request) -> web.StreamResponse:
        if not installed:
            raise web.HTTPNotFound(text="the web client is not installed (run: make web)")
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    return handler


async def _vendor(request: web.Request) -> web.StreamResponse:
    if not SOCKET_IO_JS.exists():
        raise web.HTTPNotFound(text="socket.io client missing: run `npm ci` in web/ (make web)")
    return web.FileResponse(SOCKET_IO_JS)
