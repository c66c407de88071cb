"""Wiring of the helpdesk feature area."""

from __future__ import annotations

from aiohttp import web

from server.deps import Deps


def wire(app: web.Application, deps: Deps) -> None:
    return None
