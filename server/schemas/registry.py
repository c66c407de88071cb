"""Event name -> payload model, REST route -> body/query models, and their JSON Schema.

The socket dispatcher validates each event's payload against SOCKET_EVENTS before its handler runs; an
event with no model here cannot be registered. `json_schemas()` feeds the OpenAPI/AsyncAPI documents.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.schemas import alerts, cases, chat, escalation, helpdesk, retention, roles
from server.schemas.base import Empty, IdPath

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

# "METHOD /path" -> {"body" | "query" | "path": model}: what each REST handler validates (server/api/ reads
# with body_of / query_of / path_id and these models; test_schemas checks every route here exists).
_ID: dict[str, type[BaseModel]] = {"path": IdPath}
REST_ROUTES: dict[str, dict[str, type[BaseModel]]] = {
    "POST /api/session": {"body": roles.Login},
    "POST /api/guest": {"body": roles.Guest},
    "GET /api/cases": {"query": cases.CasesQuery},
    "GET /api/cases/{id}": _ID,
    "GET /api/rooms/{id}/messages": {"path": IdPath, "query": chat.RoomMessagesQuery},
    "GET /api/alerts": {"query": alerts.AlertsQuery},
    "POST /api/alerts/{id}/ack": _ID,
    "PUT /api/me/alert-preferences": {"body": alerts.AlertPreferences},
    "GET /api/admin/deliveries": {"query": alerts.DeliveriesQuery},
    "POST /api/resume": {"body": alerts.Resume},
    "GET /api/admin/reports/escalations": {"query": escalation.EscalationReportQuery},
    "GET /api/cases/{id}/escalations": _ID,
    "GET /api/cases/{id}/transcript": _ID,
    "POST /api/admin/shifts": {"body": helpdesk.ShiftCreate},
    "GET /api/admin/shifts": {"query": helpdesk.ShiftsQuery},
    "DELETE /api/admin/shifts/{id}": _ID,
    "GET /api/me/shifts": {"query": helpdesk.ShiftsQuery},
    "POST /api/me/shifts": {"body": helpdesk.OwnShiftCreate},
    "PATCH /api/shifts/{id}": {"path": IdPath, "body": helpdesk.ShiftUpdate},
    "DELETE /api/shifts/{id}": _ID,
    "GET /api/admin/coverage": {"query": helpdesk.CoverageQuery},
    "POST /api/admin/canned": {"body": helpdesk.CannedSave},
    "PUT /api/admin/canned/{ref}": {"body": helpdesk.CannedUpdate},
    "POST /api/signup": {"body": roles.SignUp},
    "GET /api/admin/accounts": {"query": roles.AccountsQuery},
    "POST /api/admin/accounts": {"body": roles.AccountCreate},
    "PATCH /api/admin/accounts/{id}": {"path": IdPath, "body": roles.AccountUpdate},
    "POST /api/admin/accounts/{id}/roles": {"path": IdPath, "body": roles.RolesChange},
    "POST /api/admin/accounts/{id}/promote": {"path": IdPath, "body": roles.Promote},
    "GET /api/admin/trainees": {"query": roles.TraineesQuery},
    "GET /api/admin/trainees/{id}": _ID,
    "GET /api/admin/audit": {"query": roles.AuditQuery},
    "POST /api/cases/{id}/attachments": _ID,  # multipart: `file`, `sensitive` ("true"/"false")
    "GET /api/attachments/{id}": _ID,
    "POST /api/retention/erasures": {"body": retention.Erasure},
    "GET /api/retention/audit": {"query": retention.RetentionAuditQuery},
}


def json_schemas() -> dict[str, Any]:
    """JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of every socket payload and REST body/query."""
    return {
        "socket": {name: model.model_json_schema() for name, model in sorted(SOCKET_EVENTS.items())},
        "rest": {route: {part: model.model_json_schema() for part, model in parts.items()}
                 for route, parts in sorted(REST_ROUTES.items())},
    }
