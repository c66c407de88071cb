"""REST routes of the retention area: attachments (upload, download), the admin's erasure and audit."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import BadContentDispositionHeader

from server.actions import attachments, sensitive
from server.api.common import body_of, deps_of, path_id, query_of, require_session, send_effects
from server.errors import Invalid
from server.schemas.retention import Erasure, RetentionAuditQuery

routes = web.RouteTableDef()
_CHUNK = 64 * 1024


async def _next_part(reader: MultipartReader) -> Any:
    """The next part; a part whose headers break HTTP's rules (a CR or LF inside a filename, a bad
    header line) is the client's error: `invalid`, never an internal one."""
    try:
        return await reader.next()
    # A broken Content-Disposition is only a warning in aiohttp (the part then has no name and is refused
    # below as an unexpected field); where warnings are errors (the tests) it is raised: same answer.
    except (HttpProcessingError, ValueError, BadContentDispositionHeader):
        raise Invalid("malformed multipart part headers (a filename may not contain CR or LF)",
                      field="file") from None


@routes.post("/api/cases/{id}/attachments")
async def upload(request: web.Request) -> web.Response:
    """multipart/form-data: `file` (required), `sensitive` ("true"/"false", default from config)."""
    session = await require_session(request)
    deps = deps_of(request)
    case_id = path_id(request)
    limit = deps.config.retention.uploads.max_size
    if not request.content_type.startswith("multipart/"):
        raise Invalid("send the file as multipart/form-data in a field named 'file'")
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError, KeyError):  # no boundary, or a malformed Content-Type
        raise Invalid("the multipart/form-data Content-Type needs a boundary") from None
    data: bytes | None = None
    filename: str | None = None
    declared: str | None = None
    flag: bool | None = None
    while (part := await _next_part(reader)) is not None:
        if not isinstance(part, BodyPartReader):
            raise Invalid("nested multipart bodies are not accepted")
        name = part.name
        if name == "file":
            if data is not None:
                raise Invalid("send one file per request", field="file")
            filename = part.filename
            declared = part.headers.get("Content-Type")
            buf = bytearray()
            while chunk := await part.read_chunk(_CHUNK):
                buf += chunk
                if len(buf) > limit:
                    raise attachments.TooLarge(f"the file is larger than the {limit} byte limit")
            data = bytes(buf)
        elif name == "sensitive":
            text = (await part.text()).strip().lower()
            if text not in ("true", "false"):
                raise Invalid("'sensitive' must be true or false", field="sensitive")
            flag = text == "true"
        else:
            raise Invalid(f"unexpected form field {str(name)[:40]!r}; send 'file' (and optionally 'sensitive')")
    if data is None:
        raise Invalid("the multipart field 'file' is required", field="file")
    answer, effects = await attachments.upload(deps, session.account_id, case_id, filename, declared, data, flag)
    await send_effects(request, effects)
    return web.json_response(answer)


@routes.get("/api/attachments/{id}")
async def download(request: web.Request) -> web.Response:
    session = await require_session(request)
    found = await attachments.download(deps_of(request), session.account_id, path_id(request))
    fallback = quote(found.name.encode("ascii", "replace").decode("ascii").replace('"', "_"))
    return web.Response(body=found.data, content_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(found.name)}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


@routes.post("/api/retention/erasures")
async def erase(request: web.Request) -> web.Response:
    """Right to erasure: {"requester": ACCOUNT_ID or USERNAME} (admins)."""
    session = await require_session(request)
    body = await body_of(request, Erasure)
    return web.json_response(await sensitive.erase_requester(deps_of(request), session.account_id, body.requester))


@routes.get("/api/retention/audit")
async def audit(request: web.Request) -> web.Response:
    session = await require_session(request)
    q = query_of(request, RetentionAuditQuery)
    rows = await sensitive.audit_log(deps_of(request), session.account_id, case_id=q.case_id, limit=q.limit)
    return web.json_response({"audit": rows})
