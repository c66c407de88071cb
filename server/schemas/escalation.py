"""Escalation area: routes, escalate, the requester's hand-off answer, experts, transfer, personal escalation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.schemas.base import Id, Name, Payload, Query, TextRule

Note = Annotated[str, TextRule(4000)]


class CaseEscalate(Payload):
    case_id: Id
    route: Name
    priority: Annotated[str, TextRule(32, one_line=True)]
    note: Note
    category: Annotated[str, TextRule(64, one_line=True, blank=True)] | None = None
    checklist: Annotated[list[Annotated[str, TextRule(300, blank=True)]], Field(max_length=50)] | None = None


class CaseConfirmHandoff(Payload):
    case_id: Id
    accept: bool


class CaseInvolveExpert(Payload):
    case_id: Id
    team: Name


class CaseTransfer(Payload):
    case_id: Id
    to_account_id: Id | None = None
    queue: Annotated[str, TextRule(64, one_line=True, blank=True)] | None = None
    note: Note


class CaseFlag(Payload):
    case_id: Id
    kind: Literal["personal_escalation"]
    note: Note


class EscalationReportQuery(Query):
    """GET /api/escalations/report?month=YYYY-MM"""

    month: Annotated[str, TextRule(7, one_line=True, blank=True)] | None = None
