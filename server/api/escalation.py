"""REST routes owned by the escalation feature area: the monthly report, a case's escalation history,
and the routes list."""

from __future__ import annotations

from aiohttp import web

from server.actions import escalations, reports
from server.api.common import deps_of, path_id, query_of, require_session, send_effects
from server.schemas.escalation import EscalationReportQuery

routes = web.RouteTableDef()


@routes.get("/api/admin/reports/escalations")
async def escalation_report(request: web.Request) -> web.Response:
    session = await require_session(request)
    month = query_of(request, EscalationReportQuery).month
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
    rows = await escalations.case_escalations(deps_of(request), session.account_id, path_id(request))
    return web.json_response({"escalations": rows})
