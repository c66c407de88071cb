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
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from server.storage.models import Case
    from server.message_writer import MessageWriter, Written
    from server.notify import Effect
    from server.sealing import Sealer

# Called after a batch of messages committed, once per new message (alerts, expert responded ...).
AfterMessageHook = Callable[["Deps", "Written"], Awaitable[list["Effect"]]]
# Called when an account's last socket disconnects (monitor hand-over, abandon ...).
DisconnectHook = Callable[["Deps", int], Awaitable[list["Effect"]]]
# Called inside the transaction of a case state change made by actions/cases.py (resolve, hold ...) with
# (session, deps, case, action, actor_id, now): e.g. a resolved escalation records who closed it and when.
CaseTransitionHook = Callable[["AsyncSession", "Deps", "Case", str, "int | None", "dt.datetime"],
                              Awaitable[list["Effect"]]]


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
    on_case_transition: list[CaseTransitionHook] = field(default_factory=list)
    # Feature areas hang their own services here by name (e.g. "keyring").
    extras: dict[str, Any] = field(default_factory=dict)
