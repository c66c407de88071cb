"""Declared payload schemas (issue 11 point 6): every socket event has one model, the dispatcher's table and
the schema registry agree, and json_schemas() documents each of them for the API documents."""

from __future__ import annotations

import json

import pytest
from aiohttp.web import RouteDef

from server.api import alerts as api_alerts
from server.api import core as api_core
from server.api import escalation as api_escalation
from server.api import helpdesk as api_helpdesk
from server.api import retention as api_retention
from server.api import roles as api_roles
from server.errors import Invalid
from server.schemas.base import Payload, parse
from server.schemas.chat import MessageSend, Sync
from server.schemas.registry import REST_ROUTES, SOCKET_EVENTS, json_schemas
from server.socket import handlers  # noqa: F401  (fills the registry)
from server.socket.registry import EVENTS


def test_every_registered_event_has_a_model_and_a_json_schema() -> None:
    assert set(EVENTS) == set(SOCKET_EVENTS)
    schemas = json_schemas()
    assert set(schemas["socket"]) == set(EVENTS)
    for name, schema in schemas["socket"].items():
        assert schema["type"] == "object" and schema.get("additionalProperties") is False, name
    json.dumps(schemas)  # plain JSON, ready for the OpenAPI / AsyncAPI documents


def test_every_rest_model_has_a_json_schema_and_names_a_real_route() -> None:
    served = {f"{r.method} {r.path}" for table in (api_alerts.routes, api_core.routes, api_escalation.routes,
                                                   api_helpdesk.routes, api_retention.routes, api_roles.routes)
              for r in table if isinstance(r, RouteDef)}
    assert set(REST_ROUTES) <= served, set(REST_ROUTES) - served
    schemas = json_schemas()["rest"]
    assert set(schemas) == set(REST_ROUTES)
    for route, parts in schemas.items():
        assert parts and all(s["type"] == "object" for s in parts.values()), route


def test_models_refuse_unknown_keys_and_are_strict() -> None:
    for model in {*SOCKET_EVENTS.values()}:
        assert issubclass(model, Payload) and model.model_config.get("extra") == "forbid", model


@pytest.mark.parametrize("payload,message", [
    ({"room_id": "1", "body": "x", "client_id": "c"}, "'room_id' must be a whole number"),
    ({"room_id": True, "body": "x", "client_id": "c"}, "'room_id' must be a whole number"),
    ({"room_id": 2**63, "body": "x", "client_id": "c"}, f"'room_id' must be at most {2**31 - 1}"),
    ({"room_id": 1, "body": "a\ud800", "client_id": "c"}, "'body' must be valid unicode text"),
    ({"room_id": 1, "body": " ", "client_id": "c"}, "'body' must not be empty"),
    ({"room_id": 1, "body": "x", "client_id": "a\nb"}, "'client_id' must be one line"),
    ({"room_id": 1, "body": "x"}, "'client_id' is required"),
    ({"room_id": 1, "body": "x", "client_id": "c", "extra": 1}, "'extra' is not a known field"),
    ({"room_id": 1, "body": "x", "client_id": "c", "kind": "system"}, "'kind' must be one of 'chat', 'whisper' or 'note'"),
    ([1, 2], "the payload must be a JSON object"),
])
def test_errors_are_one_line_naming_the_field(payload: object, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse(MessageSend, payload)
    assert caught.value.message == message
    assert "\n" not in caught.value.message


def test_config_limits_come_from_the_validation_context() -> None:
    class Limits:
        message_max_chars = 5
        client_id_max_chars = 64

    assert parse(MessageSend, {"room_id": 1, "body": "12345", "client_id": "c"}, Limits()).body == "12345"
    with pytest.raises(Invalid, match="'body' is longer than 5 characters"):
        parse(MessageSend, {"room_id": 1, "body": "123456", "client_id": "c"}, Limits())


def test_sync_keys_are_room_ids() -> None:
    assert parse(Sync, {"since": {"3": 0, "12": 7}}).since == {3: 0, 12: 7}
    for bad in ({"x": 1}, {"0": 1}, {"3": -1}, {"3": "1"}, {"99999999999999999999": 1}):
        with pytest.raises(Invalid):
            parse(Sync, {"since": bad})
