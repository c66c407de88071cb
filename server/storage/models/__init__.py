"""All models; importing this package registers every table on Base.metadata."""

from server.storage.models import alerts, escalation, helpdesk, limits, retention, roles  # noqa: F401
from server.storage.models.base import Base, UTCDateTime
from server.storage.models.core import (
    Account,
    AccountRole,
    AccountTeam,
    Case,
    Message,
    Presence,
    Room,
    RoomMember,
    Token,
)

__all__ = [
    "Account",
    "AccountRole",
    "AccountTeam",
    "Base",
    "Case",
    "Message",
    "Presence",
    "Room",
    "RoomMember",
    "Token",
    "UTCDateTime",
]
