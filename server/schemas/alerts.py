"""Alerts area: list and acknowledge stored alerts, the requester's contact address (socket), preferences,
the delivery log and resume links (REST)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.schemas.base import Id, Payload, Query, TextRule

EMAIL_MAX = 320
Email = Annotated[str, TextRule(EMAIL_MAX, one_line=True, blank=True)]


class AlertList(Payload):
    unacknowledged: bool = False


class AlertAck(Payload):
    id: Id


class CaseContact(Payload):
    """The requester leaves an e-mail address for replies while away ("" removes it)."""

    case_id: Id
    email: Email | None = None


class AlertsQuery(Query):
    """GET /api/alerts?unacknowledged=true"""

    unacknowledged: bool = False


class AlertPreferences(Payload):
    """PUT /api/me/alert-preferences: an address ("" for none) and the alert kinds that reach me off-line."""

    email: Email | None = None
    kinds: Annotated[list[Annotated[str, TextRule(64, blank=True)]], Field(max_length=50)] | None = None


class DeliveriesQuery(Query):
    """GET /api/admin/deliveries?status=pending|sent|failed&limit=N"""

    status: Annotated[str, TextRule(16, one_line=True)] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class Resume(Payload):
    """POST /api/resume: the token from the link in a reply notice."""

    token: Annotated[str, TextRule(200, one_line=True)]
