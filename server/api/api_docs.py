"""The API described from the code: OpenAPI 3.1 for the REST routes, AsyncAPI 3.0 for the socket events.

Both are generated at start from what the server itself uses: the routes registered on the aiohttp app
and the pydantic models the handlers and the socket dispatcher validate with (server/schemas/registry.py),
so the documents cannot drift from the code. Served at GET /api/openapi.json and GET /api/asyncapi.json;
schemathesis checks the server against the first in the README's test command.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from server.schemas.registry import REST_ROUTES, SOCKET_EVENTS

routes = web.RouteTableDef()

VERSION = "1"
REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{(\w+)\}")
# Error answers: every refusal is {"error": {"code", "message", ...}} (docs/protocol.md).
ERROR_STATUSES = {"400": "invalid", "401": "unauthenticated", "403": "forbidden", "404": "not_found",
                  "409": "conflict", "413": "too_large", "429": "rate_limited", "503": "unavailable"}
# Answers that are not JSON.
NON_JSON: dict[str, dict[str, Any]] = {
    "GET /api/cases/{id}/transcript": {"text/plain": {"schema": {"type": "string"}}},
    "GET /api/attachments/{id}": {"application/octet-stream": {"schema": {"type": "string",
                                                                           "contentMediaType": "application/octet-stream"}}},
    "GET /metrics": {"text/plain": {"schema": {"type": "string"}}},
    "GET /api/reports/cycle": {"application/json": {"schema": {"type": "object"}},
                               "text/csv": {"schema": {"type": "string"}}},
}
PUBLIC = {"GET /api/health", "POST /api/session", "POST /api/guest", "GET /api/status", "POST /api/signup",
          "POST /api/resume", "GET /metrics", "GET /api/openapi.json", "GET /api/asyncapi.json"}


def _error_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "retry_after": {"type": "integer", "minimum": 1}}}}}


class _Schemas:
    """Collects model schemas into components, with $refs between them."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF)
        for name, sub in schema.pop("$defs", {}).items():
            self.components.setdefault(name, sub)
        self.components.setdefault(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}

    def parameters(self, model: type[BaseModel], where: str) -> list[dict[str, Any]]:
        schema = model.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        return [{"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
                for name, prop in schema.get("properties", {}).items()]


def openapi_document(app: web.Application) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        method = route.method.upper()
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("formatter") or info.get("path")
        if method == "HEAD" or not path or not (path.startswith("/api/") or path == "/metrics"):
            continue
        key = f"{method} {path}"
        declared = REST_ROUTES.get(key, {})
        op: dict[str, Any] = {"operationId": _operation_id(method, path), "tags": [path.split("/")[2]
                                                                                 if path.startswith("/api/") else "ops"]}
        params: list[dict[str, Any]] = []
        if "path" in declared:
            params += schemas.parameters(declared["path"], "path")
        else:
            params += [{"name": p, "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1} if p == "id" else {"type": "string"}}
                       for p in _PATH_PARAM.findall(path)]
        if "query" in declared:
            params += schemas.parameters(declared["query"], "query")
        if params:
            op["parameters"] = params
        if key == "POST /api/cases/{id}/attachments":
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                               "sensitive": {"type": "string", "enum": ["true", "false"]}}}}}}
        elif "body" in declared:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schemas.ref(declared["body"])}}}
        elif method in ("POST", "PUT", "PATCH") and key not in NON_JSON:
            op["requestBody"] = {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}
        ok = NON_JSON.get(key, {"application/json": {"schema": {"type": "object"}}})
        op["responses"] = {"200": {"description": "done", "content": ok},
                           **{status: {"description": code, "content": {"application/json": {
                               "schema": {"$ref": REF.format(model="Error")}}}}
                              for status, code in ERROR_STATUSES.items()}}
        if key not in PUBLIC:
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[method.lower()] = op
    schemas.components["Error"] = _error_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": "livehelp REST API", "version": VERSION,
                 "description": "Generated from the server's routes and declared schemas; events: /api/asyncapi.json"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def asyncapi_document() -> dict[str, Any]:
    """Every client->server event with its payload schema and the ack envelope it answers with."""
    schemas = _Schemas()
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for name, model in sorted(SOCKET_EVENTS.items()):
        mid = name.replace(".", "_")
        messages[mid] = {"name": name, "title": name, "payload": schemas.ref(model)}
        operations[mid] = {"action": "receive", "channel": {"$ref": "#/channels/socket"},
                           "messages": [{"$ref": f"#/channels/socket/messages/{mid}"}],
                           "reply": {"channel": {"$ref": "#/channels/socket"},
                                     "messages": [{"$ref": "#/channels/socket/messages/ack"}]}}
    messages["ack"] = {"name": "ack", "payload": {"oneOf": [
        {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}},
        {"type": "object", "required": ["ok", "error"], "properties": {
            "ok": {"const": False}, "error": _error_schema()["properties"]["error"]}}]}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "livehelp socket events", "version": VERSION,
                 "description": "Socket.IO events a client emits (each answered through its ack). Server-sent "
                                "events are described in docs/protocol.md."},
        "channels": {"socket": {"address": "/socket.io/", "messages": messages}},
        "operations": operations,
        "components": {"schemas": dict(sorted(schemas.components.items()))},
    }


def _operation_id(method: str, path: str) -> str:
    words = [w.strip("{}") for w in path.split("/") if w and w != "api"]
    return method.lower() + "_" + "_".join(re.sub(r"\W", "_", w) for w in words)


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.app))


@routes.get("/api/asyncapi.json")
async def asyncapi(request: web.Request) -> web.Response:
    return web.json_response(asyncapi_document())
