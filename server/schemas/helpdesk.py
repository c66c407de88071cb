"""Helpdesk area: duty, abandon, queue position, canned responses (socket) and shifts, coverage, canned (REST)."""

from __future__ import annotations

from typing import Annotated

from server.schemas.base import Id, Payload, TextRule

Shortcut = Annotated[str, TextRule(40, one_line=True)]


class DutySet(Payload):
    on_duty: bool


class CannedRender(Payload):
    case_id: Id
    shortcut: Shortcut
