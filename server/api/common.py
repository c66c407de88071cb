"""Helpers every REST module uses: app keys, auth, JSON bodies, the error middleware."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from server.actions.accounts import Session, authenticate
from server.deps import Deps
from server.errors import DomainError, Invalid
from server.forwarded import client_address
from server.notify import Effect, Notifier
from server.schemas.base import IdPath, parse

log = logging.getLogger("livehelp.api")

M = TypeVar("M", bound=BaseModel)
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


async def body_of(request: web.Request, model: type[M]) -> M:
    """The JSON body validated as `model` (server/schemas/): `invalid` naming the field, 413 when larger
    than limits.http_body_max (refused before it is read when the length is declared)."""
    limit = deps_of(request).config.limits.http_body_max
    if (request.content_length or 0) > limit:
        raise _too_large(limit, request.content_length or 0)
    raw = await request.read()  # a chunked body stops at the same size (aiohttp's client_max_size)
    if len(raw) > limit:
        raise _too_large(limit, len(raw))
    try:
        data = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise Invalid("the request body must be JSON (UTF-8, not nested too deeply)") from None
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object")
    return parse(model, data, deps_of(request).config.limits)


def query_of(request: web.Request, model: type[M], **path: str) -> M:
    """The query string (and path parameters given as keywords) validated as `model`; an empty value is
    the same as a missing one."""
    params: dict[str, str] = {k: v for k, v in request.query.items() if v != ""}
    params.update(path)
    return parse(model, params, deps_of(request).config.limits)


def path_id(request: web.Request, key: str = "id") -> int:
    """The numeric id in the path (1 .. 2**31-1), else `invalid` naming it."""
    return parse(IdPath, {"id": request.match_info[key]}).id


def _too_large(limit: int, size: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size,
                                         reason=f"the request body is larger than {limit:,} bytes")


def client_ip(request: web.Request) -> str:
    """The client's address, for per-address limits: the peer's, or behind a proxy listed in
    server.trusted_proxies the one its X-Forwarded-For names (server/forwarded.py; docs/security.md)."""
    proxies = deps_of(request).config.server.trusted_proxies
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []), proxies)


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
