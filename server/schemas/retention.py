"""Retention area: marking a message sensitive (socket), attachments, erasure and the audit log (REST)."""

from __future__ import annotations

from server.schemas.base import Id, Payload


class MessageMarkSensitive(Payload):
    message_id: Id
