"""REST routes of the alerts area: my alerts, my off-line delivery preference, the admin's delivery log."""

from __future__ import annotations

from aiohttp import web

from server import validate as v
from server.actions import alerts, contact, outbound
from server.api.common import deps_of, json_body, require_session, send_effects
from server.errors import Invalid

routes = web.RouteTableDef()
EMAIL_MAX = 320


@routes.get("/api/alerts")
async def list_alerts(request: web.Request) -> web.Response:
    """?unacknowledged=true: only those not acknowledged yet."""
    session = await require_session(request)
    only = request.query.get("unacknowledged", "false").lower() == "true"
    return web.json_response(await alerts.list_alerts(deps_of(request), session.account_id, only))


@routes.post("/api/alerts/{id}/ack")
async def ack(request: web.Request) -> web.Response:
    session = await require_session(request)
    try:
        alert_id = int(request.match_info["id"])
    except ValueError:
        raise Invalid("alert id must be a whole number") from None
    await send_effects(request, await alerts.acknowledge(deps_of(request), session.account_id, alert_id))
    return web.json_response({})


@routes.get("/api/me/alert-preferences")
async def get_preferences(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response(await outbound.get_preferences(deps_of(request), session.account_id))


@routes.put("/api/me/alert-preferences")
async def put_preferences(request: web.Request) -> web.Response:
    """{"email": "" or an address, "kinds": [alert kinds that reach me while I am not connected]}."""
    session = await require_session(request)
    body = await json_body(request)
    email = v.text(body, "email", max_chars=EMAIL_MAX, required=False, multiline=False) or ""
    email = email.strip()
    if email and ("@" not in email or " " in email):
        raise Invalid("email must be an e-mail address (or empty)", field="email")
    kinds = v.string_list(body, "kinds", max_items=50, max_chars=64)
    return web.json_response(await outbound.set_preferences(deps_of(request), session.account_id, email, kinds))


@routes.get("/api/admin/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    """The outbound delivery log, newest first: ?status=pending|sent|failed&limit=N (admins)."""
    session = await require_session(request)
    status = request.query.get("status") or None
    try:
        limit = max(1, min(500, int(request.query.get("limit", "100"))))
    except ValueError:
        raise Invalid("limit must be a whole number", field="limit") from None
    return web.json_response(await outbound.delivery_log(deps_of(request), session.account_id, status, limit))


@routes.post("/api/resume")
async def resume(request: web.Request) -> web.Response:
    """{"token"} from the link in a reply notice -> {"token", "account", "case_id", "room_id"} (no login)."""
    body = await json_body(request)
    token = v.text(body, "token", max_chars=200, multiline=False)
    assert token is not None
    return web.json_response(await contact.resume(deps_of(request), token))
