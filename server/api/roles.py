"""REST routes owned by the roles feature area."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
