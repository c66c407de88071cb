"""Sessions, guests, me, health, cases and room messages."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from server import validate as v
from server.actions import accounts, cases, messages
from server.api.common import bearer, client_ip, deps_of, json_body, require_session
from server.errors import Invalid

routes = web.RouteTableDef()


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    deps = deps_of(request)
    async with deps.db.read() as s:

        await s.execute(text("SELECT 1"))
    return web.json_response({"status": "ok"})


@routes.post("/api/session")
async def login(request: web.Request) -> web.Response:
    body = await json_body(request)
    username = v.text(body, "username", max_chars=64, multiline=False)
    password = v.text(body, "password", max_chars=1024, multiline=False)
    return web.json_response(await accounts.login(deps_of(request), username, password, client_ip(request)))  # type: ignore[arg-type]


@routes.delete("/api/session")
async def logout(request: web.Request) -> web.Response:
    await require_session(request)
    deps = deps_of(request)
    await deps.notifier.send(await accounts.revoke_token(deps, bearer(request) or ""))
    return web.json_response({"ok": True})


@routes.post("/api/guest")
async def guest(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await json_body(request)
    name = v.text(body, "display_name", max_chars=deps.config.limits.display_name_max_chars, multiline=False)
    return web.json_response(await accounts.create_guest(deps, name, client_ip(request)))  # type: ignore[arg-type]


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response({"account": await accounts.me(deps_of(request), session.account_id)})


@routes.get("/api/cases")
async def list_cases(request: web.Request) -> web.Response:
    session = await require_session(request)
    status = request.query.get("status")
    return web.json_response({"cases": await cases.list_cases(deps_of(request), session.account_id, status)})


@routes.get("/api/cases/{id}")
async def get_case(request: web.Request) -> web.Response:
    session = await require_session(request)
    case_id = _int(request.match_info["id"], "case id")
    return web.json_response({"case": await cases.get_case(deps_of(request), session.account_id, case_id)})


@routes.get("/api/rooms/{id}/messages")
async def room_messages(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    room_id = _int(request.match_info["id"], "room id")
    after = _int(request.query.get("after", "0"), "after")
    limit = _int(request.query.get("limit", "50"), "limit")
    if not 1 <= limit <= deps.config.limits.history_max:
        raise Invalid(f"limit must be 1..{deps.config.limits.history_max}")
    msgs = await messages.history(deps, session.account_id, room_id, after=after, before=None, limit=limit)
    return web.json_response({"messages": msgs})


def _int(raw: str, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{what} must be a whole number") from None
    if value < 0:
        raise Invalid(f"{what} must not be negative")
    return value
