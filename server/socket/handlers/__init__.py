"""Importing this package registers every socket event (one module per feature area)."""

from server.socket.handlers import alerts, cases, chat, escalation, helpdesk, retention, roles  # noqa: F401
