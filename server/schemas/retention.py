"""Retention area: marking a message sensitive (socket), attachments, erasure and the audit log (REST)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator
from pydantic_core import PydanticCustomError

from server.schemas.base import MAX_ID, Id, Payload, Query


class MessageMarkSensitive(Payload):
    message_id: Id


def _who(value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip() or len(str(value)) > 64:
        raise PydanticCustomError("requester", "must be an account id or a username")
    if isinstance(value, int) and not 1 <= value <= MAX_ID:
        raise PydanticCustomError("requester", "must be an account id or a username")
    return value


class Erasure(Payload):
    """POST /api/retention/erasures: the requester by account id or username (admins)."""

    requester: Annotated[int | str, PlainValidator(_who, json_schema_input_type=int | str)]


class RetentionAuditQuery(Query):
    """GET /api/retention/audit?case_id=&limit="""

    case_id: Id | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
