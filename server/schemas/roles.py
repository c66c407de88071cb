"""Roles area: shadowing, supervision, take-over and hand-back, vouching (socket) and accounts, sign-up,
promotion, the audit log (REST)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.schemas.base import Id, Payload, Query, TextRule


class CaseVouch(Payload):
    case_id: Id
    trainee_id: Id
    note: Annotated[str, TextRule(2000, blank=True)] | None = None


Username = Annotated[str, TextRule(64, one_line=True)]
Password = Annotated[str, TextRule(1024, one_line=True)]
DisplayName = Annotated[str, TextRule(200, one_line=True, limit="display_name_max_chars")]
# Optional text may be empty, as before the models: the action decides what "" means (no change, no name).
MaybeDisplayName = Annotated[str, TextRule(200, one_line=True, blank=True, limit="display_name_max_chars")]
Reason = Annotated[str, TextRule(1000, blank=True)]
RoleNames = Annotated[list[Annotated[str, TextRule(32, blank=True)]], Field(max_length=10)]
TeamNames = Annotated[list[Annotated[str, TextRule(64, blank=True)]], Field(max_length=50)]


class Login(Payload):
    """POST /api/session"""

    username: Username
    password: Password


class Guest(Payload):
    """POST /api/guest"""

    display_name: DisplayName


class SignUp(Payload):
    """POST /api/signup"""

    username: Username
    password: Password
    display_name: MaybeDisplayName | None = None


class AccountCreate(Payload):
    """POST /api/admin/accounts"""

    username: Username
    password: Password
    roles: RoleNames | None = None
    teams: TeamNames | None = None
    display_name: MaybeDisplayName | None = None
    reason: Reason | None = None


class AccountUpdate(Payload):
    """PATCH /api/admin/accounts/{id}: only what is given changes."""

    display_name: MaybeDisplayName | None = None
    roles: RoleNames | None = None
    teams: TeamNames | None = None
    reason: Reason | None = None


class RolesChange(Payload):
    """POST /api/admin/accounts/{id}/roles"""

    grant: RoleNames | None = None
    revoke: RoleNames | None = None
    reason: Reason | None = None


class Promote(Payload):
    """POST /api/admin/accounts/{id}/promote"""

    to: Literal["helper"] = "helper"
    reason: Reason | None = None
    force: bool = False


class TraineesQuery(Query):
    """GET /api/admin/trainees?eligible=true"""

    eligible: bool = False


class AuditQuery(Query):
    """GET /api/admin/audit?account_id=&before=&limit="""

    account_id: Id | None = None
    before: Id | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class AccountsQuery(Query):
    """GET /api/admin/accounts?role="""

    role: Annotated[str, TextRule(32, one_line=True)] | None = None
