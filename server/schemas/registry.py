"""Event name -> payload model, REST route -> body/query models, and their JSON Schema.

The socket dispatcher validates each event's payload against SOCKET_EVENTS before its handler runs; an
event with no model here cannot be registered. `json_schemas()` feeds the OpenAPI/AsyncAPI documents.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.schemas import alerts, cases, chat, escalation, helpdesk, retention, roles
from server.schemas.base import Empty

SOCKET_EVENTS: dict[str, type[BaseModel]] = {
    # the case life
    "help.request": cases.HelpRequest,
    "queue.list": Empty,
    "case.get": cases.CaseRef,
    "case.claim": cases.CaseRef,
    "case.hold": cases.CaseRef,
    "case.resume": cases.CaseRef,
    "case.resolve": cases.CaseResolve,
    # rooms and messages
    "message.send": chat.MessageSend,
    "typing.set": chat.TypingSet,
    "room.create": chat.RoomCreate,
    "room.list": Empty,
    "room.join": chat.RoomRef,
    "room.leave": chat.RoomRef,
    "room.history": chat.RoomHistory,
    "sync": chat.Sync,
    "me": Empty,
    # escalation
    "escalation.routes": Empty,
    "case.escalate": escalation.CaseEscalate,
    "case.confirm_handoff": escalation.CaseConfirmHandoff,
    "case.escalations": cases.CaseRef,
    "case.involve_expert": escalation.CaseInvolveExpert,
    "case.transfer": escalation.CaseTransfer,
    "case.flag": escalation.CaseFlag,
    # helpdesk
    "duty.set": helpdesk.DutySet,
    "case.abandon": cases.CaseRef,
    "queue.position": cases.CaseRef,
    "canned.list": Empty,
    "canned.render": helpdesk.CannedRender,
    # roles
    "case.shadow": cases.CaseRef,
    "case.unshadow": cases.CaseRef,
    "case.supervise": cases.CaseRef,
    "case.takeover": cases.CaseRef,
    "case.handback": cases.CaseRef,
    "case.vouch": roles.CaseVouch,
    "monitor.overview": Empty,
    # alerts
    "alert.list": alerts.AlertList,
    "alert.ack": alerts.AlertAck,
    "case.contact": alerts.CaseContact,
    # retention
    "message.mark_sensitive": retention.MessageMarkSensitive,
}

# "METHOD /path" -> {"body": model, "query": model, "path": model}: what the REST handler validates.
REST_ROUTES: dict[str, dict[str, type[BaseModel]]] = {}


def json_schemas() -> dict[str, Any]:
    """JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of every socket payload and REST body/query."""
    return {
        "socket": {name: model.model_json_schema() for name, model in sorted(SOCKET_EVENTS.items())},
        "rest": {route: {part: model.model_json_schema() for part, model in parts.items()}
                 for route, parts in sorted(REST_ROUTES.items())},
    }
