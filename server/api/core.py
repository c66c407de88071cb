"""Sessions, guests, me, health, cases and room messages."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from server.actions import accounts, cases, messages
from server.api.common import bearer, body_of, client_ip, deps_of, path_id, query_of, require_session
from server.schemas.cases import CasesQuery
from server.schemas.chat import RoomMessagesQuery
from server.schemas.roles import Guest, Login

routes = web.RouteTableDef()


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    deps = deps_of(request)
    async with deps.db.read() as s:

        await s.execute(text("SELECT 1"))
    return web.json_response({"status": "ok"})


@routes.post("/api/session")
async def login(request: web.Request) -> web.Response:
    body = await body_of(request, Login)
    return web.json_response(await accounts.login(deps_of(request), body.username, body.password, client_ip(request)))


@routes.delete("/api/session")
async def logout(request: web.Request) -> web.Response:
    await require_session(request)
    deps = deps_of(request)
    await deps.notifier.send(await accounts.revoke_token(deps, bearer(request) or ""))
    return web.json_response({"ok": True})


@routes.post("/api/guest")
async def guest(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await body_of(request, Guest)
    return web.json_response(await accounts.create_guest(deps, body.display_name, client_ip(request)))


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response({"account": await accounts.me(deps_of(request), session.account_id)})


@routes.get("/api/cases")
async def list_cases(request: web.Request) -> web.Response:
    session = await require_session(request)
    status = query_of(request, CasesQuery).status
    return web.json_response({"cases": await cases.list_cases(deps_of(request), session.account_id, status)})


@routes.get("/api/cases/{id}")
async def get_case(request: web.Request) -> web.Response:
    session = await require_session(request)
    case_id = path_id(request)
    return web.json_response({"case": await cases.get_case(deps_of(request), session.account_id, case_id)})


@routes.get("/api/rooms/{id}/messages")
async def room_messages(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    room_id = path_id(request)
    q = query_of(request, RoomMessagesQuery)
    msgs = await messages.history(deps, session.account_id, room_id, after=q.after, before=None, limit=q.limit)
    return web.json_response({"messages": msgs})
