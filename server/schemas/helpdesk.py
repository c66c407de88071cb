"""Helpdesk area: duty, abandon, queue position, canned responses (socket) and shifts, coverage, canned (REST)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.schemas.base import Id, Instant, Payload, Query, TextRule

CANNED_TEXT_MAX = 2000  # server/actions/canned.py TEXT_MAX
Shortcut = Annotated[str, TextRule(40, one_line=True)]


class DutySet(Payload):
    on_duty: bool


class CannedRender(Payload):
    case_id: Id
    shortcut: Shortcut


class OwnShiftCreate(Payload):
    """POST /api/me/shifts: a shift for the asker (My shifts), so no account is named."""

    starts_at: Instant
    ends_at: Instant
    weekly: bool = False
    until: Instant | None = None
    note: Annotated[str, TextRule(200, one_line=True, blank=True)] | None = None


class ShiftCreate(OwnShiftCreate):
    """POST /api/admin/shifts: whose (account_id or username), when, weekly until when."""

    account_id: Id | None = None
    username: Annotated[str, TextRule(64, one_line=True, blank=True)] | None = None


class ShiftUpdate(Payload):
    """PATCH /api/shifts/{id}: only the fields sent change; `until` and `note` may be null to clear them."""

    starts_at: Instant | None = None
    ends_at: Instant | None = None
    weekly: bool | None = None
    until: Instant | None = None
    note: Annotated[str, TextRule(200, one_line=True, blank=True)] | None = None


class ShiftsQuery(Query):
    """GET /api/admin/shifts?from=&to="""

    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None


class CoverageQuery(Query):
    """GET /api/admin/coverage?from=&days=&queue="""

    from_: Instant | None = Field(default=None, alias="from")
    days: Annotated[int, Field(ge=1, le=31)] = 7
    queue: Annotated[str, TextRule(64, one_line=True)] | None = None


class CannedSave(Payload):
    """POST /api/admin/canned: create, or replace the text of, a shortcut."""

    shortcut: Shortcut
    text: Annotated[str, TextRule(CANNED_TEXT_MAX)]


class CannedUpdate(Payload):
    """PUT /api/admin/canned/{ref}: rename and/or change the text."""

    shortcut: Annotated[str, TextRule(40, one_line=True, blank=True)] | None = None
    text: Annotated[str, TextRule(CANNED_TEXT_MAX, blank=True)] | None = None
