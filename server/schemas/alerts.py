"""Alerts area: list and acknowledge stored alerts, the requester's contact address (socket), preferences,
the delivery log and resume links (REST)."""

from __future__ import annotations

from typing import Annotated

from server.schemas.base import Id, Payload, TextRule

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
