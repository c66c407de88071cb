"""Helpers every REST module uses: app keys, auth, JSON bodies, the error middleware."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from server.actions.accounts import Session, authenticate
from server.deps import Deps
from server.errors import DomainError, Invalid
from server.notify import Effect, Notifier

log = logging.getLogger("livehelp.api")

DEPS = web.AppKey("deps", Deps)
NOTIFIER = web.AppKey("notifier", Notifier)


def deps_of(request: web.Request) -> Deps:
    return request.app[DEPS]


async def send_effects(request: web.Request, effects: list[Effect]) -> None:
    await request.app[NOTIFIER].send(effects)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return None


async def require_session(request: web.Request) -> Session:
    return await authenticate(deps_of(request), bearer(request))


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    return body


def client_ip(request: web.Request) -> str:
    """The peer's address, for per-address limits. X-Forwarded-For is not trusted: behind a proxy every
    client shares the proxy's address (docs/security.md says how to size the limits then)."""
    return request.remote or ""


def error_response(exc: DomainError) -> web.Response:
    response = web.json_response(exc.to_dict(), status=exc.status)
    retry_after = exc.details.get("retry_after")
    if isinstance(retry_after, int):
        response.headers["Retry-After"] = str(retry_after)
    return response


@web.middleware
async def errors_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                            ) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/"):
            raise
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "invalid",
                429: "rate_limited", 503: "unavailable"}.get(exc.status, "invalid")
        return web.json_response({"error": {"code": code, "message": exc.reason}}, status=exc.status)
    except Exception:
        log.exception("request failed", extra={"path": request.path})
        return web.json_response({"error": {"code": "unavailable", "message": "internal error"}}, status=503)


# Only the requester's widget page (/) is meant to be embedded in other sites; the staff pages (/console,
# /monitor, /admin), the API and every other answer refuse to be framed (clickjacking).
EMBEDDABLE = frozenset({"/"})
_CSP = ("default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors ")


def _harden(path: str, headers: Any) -> None:
    embeddable = path in EMBEDDABLE
    headers.setdefault("Content-Security-Policy", _CSP + ("*" if embeddable else "'none'"))
    if not embeddable:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")


@web.middleware
async def security_headers(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                           ) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 404s and other raised answers carry the same headers
        _harden(request.path, exc.headers)
        raise
    _harden(request.path, response.headers)
    return response
