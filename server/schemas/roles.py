"""Roles area: shadowing, supervision, take-over and hand-back, vouching (socket) and accounts, sign-up,
promotion, the audit log (REST)."""

from __future__ import annotations

from typing import Annotated

from server.schemas.base import Id, Payload, TextRule


class CaseVouch(Payload):
    case_id: Id
    trainee_id: Id
    note: Annotated[str, TextRule(2000, blank=True)] | None = None
