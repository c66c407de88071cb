"""Rooms, messages, history and sync: socket payloads and the room-messages REST query."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from server.schemas.base import MAX_ID, AtMostLimit, Id, Payload, Query, RoomKey, Seq, TextRule

Body = Annotated[str, TextRule(100_000, limit="message_max_chars")]
ClientId = Annotated[str, TextRule(200, one_line=True, limit="client_id_max_chars")]


class MessageSend(Payload):
    room_id: Id
    body: Body
    client_id: ClientId
    kind: Literal["chat", "whisper", "note"] = "chat"
    sensitive: bool = False


class TypingSet(Payload):
    """A typing hint: relayed where a message of that kind would go, never stored."""

    room_id: Id
    typing: bool = True
    kind: Literal["chat", "whisper", "note"] = "chat"


class RoomCreate(Payload):
    name: Annotated[str, TextRule(200, one_line=True, limit="room_name_max_chars")]
    topic: Annotated[str, TextRule(500, blank=True)] | None = None


class RoomRef(Payload):
    room_id: Id


class RoomHistory(Payload):
    room_id: Id
    after: Seq | None = None
    before: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    limit: Annotated[int, Field(ge=1, le=10_000), AtMostLimit("history_max")] = 50

    @model_validator(mode="after")
    def _one_direction(self) -> RoomHistory:
        if self.after is not None and self.before is not None:
            raise PydanticCustomError("conflicting", "give 'after' or 'before', not both")
        return self


class Sync(Payload):
    """`since` maps a room id (a JSON object key, so text) to the last seq seen there."""

    since: Annotated[dict[RoomKey, Seq], Field(max_length=10_000)] = Field(default_factory=dict)


class RoomMessagesQuery(Query):
    """GET /api/rooms/{id}/messages?after=SEQ&limit=N"""

    after: Seq = 0
    limit: Annotated[int, Field(ge=1, le=10_000), AtMostLimit("history_max")] = 50
