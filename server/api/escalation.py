"""REST routes owned by the escalation feature area: the monthly report, a case's escalation history,
and the routes list."""

from __future__ import annotations

from aiohttp import web

from server.actions import escalations, reports
from server.api.common import deps_of, require_session, send_effects
from server.errors import Invalid

routes = web.RouteTableDef()


@routes.get("/api/admin/reports/escalations")
async def escalation_report(request: web.Request) -> web.Response:
    session = await require_session(request)
    month = request.query.get("month") or None
    return web.json_response(await reports.escalation_report(deps_of(request), session.account_id, month))


@routes.get("/api/escalation/routes")
async def escalation_routes(request: web.Request) -> web.Response:
    session = await require_session(request)
    answer, effects = await escalations.list_routes(deps_of(request), session.account_id)
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.get("/api/cases/{id}/escalations")
async def case_escalations(request: web.Request) -> web.Response:
    session = await require_session(request)
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise Invalid("case id must be a whole number")
    rows = await escalations.case_escalations(deps_of(request), session.account_id, int(raw))
    return web.json_response({"escalations": rows})
