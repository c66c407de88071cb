"""REST routes owned by the retention feature area."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
