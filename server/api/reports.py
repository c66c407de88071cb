"""REST routes of the reports area: the cycle report as JSON or CSV (the escalation report is in
api/escalation.py). Query parameters are plain strings parsed by the action (month, from, to)."""

from __future__ import annotations

from aiohttp import web

from server.actions import cycle_report
from server.api.common import deps_of, require_session
from server.errors import Invalid

routes = web.RouteTableDef()


@routes.get("/api/reports/cycle")
async def get_cycle_report(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = request.query
    fmt = q.get("format", "json")
    if fmt not in ("json", "csv"):
        raise Invalid("'format' must be json or csv", field="format")
    report = await cycle_report.cycle_report(deps_of(request), session.account_id, month=q.get("month") or None,
                                             from_=q.get("from") or None, to=q.get("to") or None)
    if fmt == "json":
        return web.json_response(report)
    name = "livehelp-cycle-" + report["period"]["label"].replace("..", "_to_") + ".csv"
    return web.Response(text=cycle_report.to_csv(report), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
