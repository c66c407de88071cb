"""REST routes owned by the helpdesk feature area: status, transcripts, shifts, coverage, canned."""

from __future__ import annotations

from aiohttp import web

from server.actions import canned, queue, shifts, transcripts
from server.api.common import body_of, deps_of, path_id, query_of, require_session
from server.errors import Invalid
from server.schemas.helpdesk import (
    CannedSave,
    CannedUpdate,
    CoverageQuery,
    OwnShiftCreate,
    ShiftCreate,
    ShiftsQuery,
    ShiftUpdate,
)

routes = web.RouteTableDef()


@routes.get("/api/status")
async def status(request: web.Request) -> web.Response:
    """No login needed: the widget asks before opening a case whether anyone is on duty."""
    return web.json_response(await queue.desk_status(deps_of(request)))


@routes.get("/api/cases/{id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    session = await require_session(request)
    name, text = await transcripts.transcript(deps_of(request), session.account_id,
                                              path_id(request))
    return web.Response(text=text, content_type="text/plain", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


# --- shifts and coverage (admin) ----------------------------------------------------------------


@routes.post("/api/admin/shifts")
async def create_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await body_of(request, ShiftCreate)
    shift = await shifts.create_shift(
        deps_of(request), session.account_id, account_id=body.account_id, username=body.username,
        starts_at=body.starts_at, ends_at=body.ends_at, weekly=body.weekly, until=body.until, note=body.note)
    return web.json_response({"shift": shift}, status=201)


@routes.get("/api/admin/shifts")
async def list_shifts(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = query_of(request, ShiftsQuery)
    return web.json_response(await shifts.list_shifts(deps_of(request), session.account_id, q.from_, q.to))


@routes.delete("/api/admin/shifts/{id}")
async def delete_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    await shifts.delete_shift(deps_of(request), session.account_id, path_id(request))
    return web.json_response({"ok": True})


# --- My shifts (each helper, trainee and monitor; admins change anyone's) ------------------------


@routes.get("/api/me/shifts")
async def list_own_shifts(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = query_of(request, ShiftsQuery)
    return web.json_response(await shifts.list_own_shifts(deps_of(request), session.account_id, q.from_, q.to))


@routes.post("/api/me/shifts")
async def create_own_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await body_of(request, OwnShiftCreate)
    shift = await shifts.create_own_shift(deps_of(request), session.account_id, starts_at=body.starts_at,
                                          ends_at=body.ends_at, weekly=body.weekly, until=body.until, note=body.note)
    return web.json_response({"shift": shift}, status=201)


@routes.patch("/api/shifts/{id}")
async def update_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    shift_id = path_id(request)
    body = await body_of(request, ShiftUpdate)
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    for required in ("starts_at", "ends_at", "weekly"):
        if required in changes and changes[required] is None:
            raise Invalid(f"'{required}' cannot be cleared", field=required)
    shift = await shifts.update_shift(deps_of(request), session.account_id, shift_id, changes)
    return web.json_response({"shift": shift})


@routes.delete("/api/shifts/{id}")
async def delete_any_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    await shifts.delete_own_or_any_shift(deps_of(request), session.account_id, path_id(request))
    return web.json_response({"ok": True})


@routes.get("/api/admin/coverage")
async def coverage(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = query_of(request, CoverageQuery)
    return web.json_response(await shifts.coverage(deps_of(request), session.account_id, q.from_, q.days, q.queue))


# --- canned responses (admin) -------------------------------------------------------------------


@routes.get("/api/admin/canned")
async def list_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response({"canned": await canned.list_for_admin(deps_of(request), session.account_id)})


@routes.post("/api/admin/canned")
async def save_canned(request: web.Request) -> web.Response:
    """Create, or replace the text of an existing shortcut (201 when created, 200 when replaced)."""
    session = await require_session(request)
    body = await body_of(request, CannedSave)
    view, created = await canned.save(deps_of(request), session.account_id, body.shortcut, body.text)
    return web.json_response({"canned": view}, status=201 if created else 200)


@routes.put("/api/admin/canned/{ref}")
async def update_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await body_of(request, CannedUpdate)
    view = await canned.update(deps_of(request), session.account_id, request.match_info["ref"], body.shortcut,
                               body.text)
    return web.json_response({"canned": view})


@routes.delete("/api/admin/canned/{ref}")
async def delete_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    await canned.delete(deps_of(request), session.account_id, request.match_info["ref"])
    return web.json_response({"ok": True})
