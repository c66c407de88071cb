"""REST routes owned by the roles feature area: self sign-up, accounts and roles for admins, trainees
and promotion, the role audit log, one's own trainee record."""

from __future__ import annotations

from aiohttp import web

from server import validate as v
from server.actions import audit, promotion, role_admin
from server.api.common import deps_of, json_body, require_session, send_effects
from server.errors import Invalid

routes = web.RouteTableDef()


def _id(request: web.Request, key: str = "id") -> int:
    raw = request.match_info[key]
    if not raw.isdigit():
        raise Invalid("account id must be a whole number")
    return int(raw)


def _query_int(request: web.Request, key: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.query.get(key)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise Invalid(f"'{key}' must be a whole number from {lo} to {hi}")
    return int(raw)


def _reason(body: dict[str, object]) -> str | None:
    return v.text(body, "reason", max_chars=1000, required=False)


@routes.post("/api/signup")
async def signup(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await json_body(request)
    username = v.text(body, "username", max_chars=64, multiline=False)
    password = v.text(body, "password", max_chars=1024, multiline=False)
    display = v.text(body, "display_name", max_chars=deps.config.limits.display_name_max_chars, multiline=False,
                     required=False)
    answer = await role_admin.sign_up(deps, username, password, display)  # type: ignore[arg-type]
    return web.json_response(answer, status=201)


@routes.get("/api/admin/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    session = await require_session(request)
    role = request.query.get("role") or None
    return web.json_response({"accounts": await role_admin.list_accounts(deps_of(request), session.account_id, role)})


@routes.post("/api/admin/accounts")
async def create_account(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    body = await json_body(request)
    answer, effects = await role_admin.create_account(
        deps, session.account_id,
        username=v.text(body, "username", max_chars=64, multiline=False),  # type: ignore[arg-type]
        password=v.text(body, "password", max_chars=1024, multiline=False),  # type: ignore[arg-type]
        roles=v.string_list(body, "roles", max_items=10, max_chars=32),
        teams=v.string_list(body, "teams", max_items=50, max_chars=64),
        display_name=v.text(body, "display_name", max_chars=deps.config.limits.display_name_max_chars,
                            multiline=False, required=False),
        reason=_reason(body))
    await send_effects(request, effects)
    return web.json_response(answer, status=201)


@routes.patch("/api/admin/accounts/{id}")
async def update_account(request: web.Request) -> web.Response:
    session = await require_session(request)
    deps = deps_of(request)
    body = await json_body(request)
    answer, effects = await role_admin.update_account(
        deps, session.account_id, _id(request),
        display_name=v.text(body, "display_name", max_chars=deps.config.limits.display_name_max_chars,
                            multiline=False, required=False),
        roles=v.string_list(body, "roles", max_items=10, max_chars=32) if "roles" in body else None,
        teams=v.string_list(body, "teams", max_items=50, max_chars=64) if "teams" in body else None,
        reason=_reason(body))
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.post("/api/admin/accounts/{id}/roles")
async def change_roles(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await json_body(request)
    answer, effects = await role_admin.change_roles(
        deps_of(request), session.account_id, _id(request),
        grant=v.string_list(body, "grant", max_items=10, max_chars=32),
        revoke=v.string_list(body, "revoke", max_items=10, max_chars=32), reason=_reason(body))
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.post("/api/admin/accounts/{id}/promote")
async def promote(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await json_body(request)
    to = v.choice(body, "to", ("helper",), default="helper")
    answer, effects = await promotion.promote(
        deps_of(request), session.account_id, account_id=_id(request), to=to, reason=_reason(body),
        force=v.boolean(body, "force", False), via="api")
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.get("/api/admin/trainees")
async def trainees(request: web.Request) -> web.Response:
    session = await require_session(request)
    eligible = request.query.get("eligible", "").lower() in ("1", "true", "yes")
    rows = await promotion.list_trainees(deps_of(request), session.account_id, eligible_only=eligible)
    return web.json_response({"trainees": rows})


@routes.get("/api/admin/trainees/{id}")
async def trainee_record(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response(await promotion.record_of(deps_of(request), session.account_id, _id(request)))


@routes.get("/api/me/record")
async def my_record(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response(await promotion.record_of(deps_of(request), session.account_id, session.account_id))


@routes.get("/api/admin/audit")
async def audit_log(request: web.Request) -> web.Response:
    session = await require_session(request)
    entries = await audit.list_entries(
        deps_of(request), session.account_id, account_id=_query_int(request, "account_id", None, 1, 2**31),
        before=_query_int(request, "before", None, 1, 2**62), limit=_query_int(request, "limit", 100, 1, 500) or 100)
    return web.json_response({"entries": entries})
