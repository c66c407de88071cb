"""What every action needs, made once in create_app and passed explicitly (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.clock import Clock
from server.config import Config
from server.connections import Connections
from server.storage.db import Database

if TYPE_CHECKING:
    from server.message_writer import MessageWriter, Written
    from server.notify import Effect
    from server.sealing import Sealer

# Called after a batch of messages committed, once per new message (alerts, expert responded ...).
AfterMessageHook = Callable[["Deps", "Written"], Awaitable[list["Effect"]]]
# Called when an account's last socket disconnects (monitor hand-over, abandon ...).
DisconnectHook = Callable[["Deps", int], Awaitable[list["Effect"]]]


@dataclass
class Deps:
    config: Config
    clock: Clock
    db: Database
    writer: "MessageWriter"
    sealer: "Sealer"
    connections: Connections
    server_id: str
    after_message: list[AfterMessageHook] = field(default_factory=list)
    on_last_disconnect: list[DisconnectHook] = field(default_factory=list)
    # Feature areas hang their own services here by name (e.g. "keyring").
    extras: dict[str, Any] = field(default_factory=dict)
