"""REST routes of the alerts area: my alerts, my off-line delivery preference, the admin's delivery log."""

from __future__ import annotations

from aiohttp import web

from server.actions import alerts, contact, outbound
from server.api.common import body_of, deps_of, path_id, query_of, require_session, send_effects
from server.errors import Invalid
from server.schemas.alerts import AlertPreferences, AlertsQuery, DeliveriesQuery, Resume

routes = web.RouteTableDef()


@routes.get("/api/alerts")
async def list_alerts(request: web.Request) -> web.Response:
    """?unacknowledged=true: only those not acknowledged yet."""
    session = await require_session(request)
    only = query_of(request, AlertsQuery).unacknowledged
    return web.json_response(await alerts.list_alerts(deps_of(request), session.account_id, only))


@routes.post("/api/alerts/{id}/ack")
async def ack(request: web.Request) -> web.Response:
    session = await require_session(request)
    alert_id = path_id(request)
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
    body = await body_of(request, AlertPreferences)
    email = (body.email or "").strip()
    if email and ("@" not in email or " " in email):
        raise Invalid("email must be an e-mail address (or empty)", field="email")
    kinds = list(body.kinds or ())
    return web.json_response(await outbound.set_preferences(deps_of(request), session.account_id, email, kinds))


@routes.get("/api/admin/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    """The outbound delivery log, newest first: ?status=pending|sent|failed&limit=N (admins)."""
    session = await require_session(request)
    q = query_of(request, DeliveriesQuery)
    return web.json_response(await outbound.delivery_log(deps_of(request), session.account_id, q.status, q.limit))


@routes.post("/api/resume")
async def resume(request: web.Request) -> web.Response:
    """{"token"} from the link in a reply notice -> {"token", "account", "case_id", "room_id"} (no login)."""
    body = await body_of(request, Resume)
    return web.json_response(await contact.resume(deps_of(request), body.token))
