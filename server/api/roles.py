"""REST routes owned by the roles feature area: self sign-up, accounts and roles for admins, trainees
and promotion, the role audit log, one's own trainee record."""

from __future__ import annotations

from aiohttp import web

from server.actions import audit, promotion, role_admin
from server.api.common import body_of, deps_of, path_id, query_of, require_session, send_effects
from server.schemas.roles import (
    AccountCreate,
    AccountsQuery,
    AccountUpdate,
    AuditQuery,
    Promote,
    RolesChange,
    SignUp,
    TraineesQuery,
)

routes = web.RouteTableDef()


@routes.post("/api/signup")
async def signup(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await body_of(request, SignUp)
    answer = await role_admin.sign_up(deps, body.username, body.password, body.display_name)
    return web.json_response(answer, status=201)


@routes.get("/api/admin/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    session = await require_session(request)
    role = query_of(request, AccountsQuery).role
    return web.json_response({"accounts": await role_admin.list_accounts(deps_of(request), session.account_id, role)})


@routes.post("/api/admin/accounts")
async def create_account(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    body = await body_of(request, AccountCreate)
    answer, effects = await role_admin.create_account(
        deps, session.account_id, username=body.username, password=body.password, roles=list(body.roles or ()),
        teams=list(body.teams or ()), display_name=body.display_name, reason=body.reason)
    await send_effects(request, effects)
    return web.json_response(answer, status=201)


@routes.patch("/api/admin/accounts/{id}")
async def update_account(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    body = await body_of(request, AccountUpdate)
    given = body.model_fields_set  # a list given as null or [] both mean "none"; left out means unchanged
    answer, effects = await role_admin.update_account(
        deps, session.account_id, path_id(request), display_name=body.display_name,
        roles=list(body.roles or ()) if "roles" in given else None,
        teams=list(body.teams or ()) if "teams" in given else None, reason=body.reason)
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.post("/api/admin/accounts/{id}/roles")
async def change_roles(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await body_of(request, RolesChange)
    answer, effects = await role_admin.change_roles(
        deps_of(request), session.account_id, path_id(request), grant=list(body.grant or ()),
        revoke=list(body.revoke or ()), reason=body.reason)
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.post("/api/admin/accounts/{id}/promote")
async def promote(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await body_of(request, Promote)
    answer, effects = await promotion.promote(
        deps_of(request), session.account_id, account_id=path_id(request), to=body.to, reason=body.reason,
        force=body.force, via="api")
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.get("/api/admin/trainees")
async def trainees(request: web.Request) -> web.Response:
    session = await require_session(request)
    eligible = query_of(request, TraineesQuery).eligible
    rows = await promotion.list_trainees(deps_of(request), session.account_id, eligible_only=eligible)
    return web.json_response({"trainees": rows})


@routes.get("/api/admin/trainees/{id}")
async def trainee_record(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response(await promotion.record_of(deps_of(request), session.account_id, path_id(request)))


@routes.get("/api/me/record")
async def my_record(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response(await promotion.record_of(deps_of(request), session.account_id, session.account_id))


@routes.get("/api/admin/audit")
async def audit_log(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = query_of(request, AuditQuery)
    entries = await audit.list_entries(deps_of(request), session.account_id, account_id=q.account_id,
                                       before=q.before, limit=q.limit)
    return web.json_response({"entries": entries})
