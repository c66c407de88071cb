"""REST routes owned by the helpdesk feature area: status, transcripts, shifts, coverage, canned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from server import validate as v
from server.actions import canned, queue, shifts, transcripts
from server.api.common import deps_of, json_body, require_session
from server.clock import parse_iso
from server.errors import Invalid

routes = web.RouteTableDef()


def _id(raw: str, what: str) -> int:
    if not raw.isdigit():
        raise Invalid(f"{what} must be a whole number")
    return int(raw)


def _instant(raw: Any, key: str, required: bool = False) -> dt.datetime | None:
    if raw is None or raw == "":
        if required:
            raise Invalid(f"'{key}' is required", field=key)
        return None
    if not isinstance(raw, str):
        raise Invalid(f"'{key}' must be an ISO-8601 time", field=key)
    try:
        return parse_iso(raw)
    except ValueError:
        raise Invalid(f"'{key}' must be an ISO-8601 time like 2026-01-05T09:00:00Z", field=key) from None


@routes.get("/api/status")
async def status(request: web.Request) -> web.Response:
    """No login needed: the widget asks before opening a case whether anyone is on duty."""
    return web.json_response(await queue.desk_status(deps_of(request)))


@routes.get("/api/cases/{id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    session = await require_session(request)
    name, text = await transcripts.transcript(deps_of(request), session.account_id,
                                              _id(request.match_info["id"], "case id"))
    return web.Response(text=text, content_type="text/plain", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


# --- shifts and coverage (admin) ----------------------------------------------------------------


@routes.post("/api/admin/shifts")
async def create_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await json_body(request)
    shift = await shifts.create_shift(
        deps_of(request), session.account_id,
        account_id=v.integer(body, "account_id", required=False, minimum=1),
        username=v.text(body, "username", max_chars=64, multiline=False, required=False),
        starts_at=_instant(body.get("starts_at"), "starts_at", required=True),  # type: ignore[arg-type]
        ends_at=_instant(body.get("ends_at"), "ends_at", required=True),  # type: ignore[arg-type]
        weekly=v.boolean(body, "weekly", False),
        until=_instant(body.get("until"), "until"),
        note=v.text(body, "note", max_chars=200, multiline=False, required=False),
    )
    return web.json_response({"shift": shift}, status=201)


@routes.get("/api/admin/shifts")
async def list_shifts(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = request.query
    return web.json_response(await shifts.list_shifts(deps_of(request), session.account_id,
                                                      _instant(q.get("from"), "from"), _instant(q.get("to"), "to")))


@routes.delete("/api/admin/shifts/{id}")
async def delete_shift(request: web.Request) -> web.Response:
    session = await require_session(request)
    await shifts.delete_shift(deps_of(request), session.account_id, _id(request.match_info["id"], "shift id"))
    return web.json_response({"ok": True})


@routes.get("/api/admin/coverage")
async def coverage(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = request.query
    days_raw = q.get("days", "7")
    if not days_raw.isdigit() or not 1 <= int(days_raw) <= 31:
        raise Invalid("'days' must be a whole number from 1 to 31", field="days")
    return web.json_response(await shifts.coverage(deps_of(request), session.account_id,
                                                   _instant(q.get("from"), "from"), int(days_raw),
                                                   q.get("queue") or None))


# --- canned responses (admin) -------------------------------------------------------------------


@routes.get("/api/admin/canned")
async def list_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    return web.json_response({"canned": await canned.list_for_admin(deps_of(request), session.account_id)})


@routes.post("/api/admin/canned")
async def save_canned(request: web.Request) -> web.Response:
    """Create, or replace the text of an existing shortcut (201 when created, 200 when replaced)."""
    session = await require_session(request)
    body = await json_body(request)
    shortcut = v.text(body, "shortcut", max_chars=40, multiline=False)
    text = v.text(body, "text", max_chars=canned.TEXT_MAX)
    view, created = await canned.save(deps_of(request), session.account_id, shortcut, text)  # type: ignore[arg-type]
    return web.json_response({"canned": view}, status=201 if created else 200)


@routes.put("/api/admin/canned/{ref}")
async def update_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    body = await json_body(request)
    shortcut = v.text(body, "shortcut", max_chars=40, multiline=False, required=False)
    text = v.text(body, "text", max_chars=canned.TEXT_MAX, required=False)
    view = await canned.update(deps_of(request), session.account_id, request.match_info["ref"], shortcut, text)
    return web.json_response({"canned": view})


@routes.delete("/api/admin/canned/{ref}")
async def delete_canned(request: web.Request) -> web.Response:
    session = await require_session(request)
    await canned.delete(deps_of(request), session.account_id, request.match_info["ref"])
    return web.json_response({"ok": True})
