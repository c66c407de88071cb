"""The event table: dotted event name -> handler. Handler modules register with @event("name")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.deps import Deps
from server.notify import Effect


@dataclass
class EventContext:
    deps: Deps
    sid: str
    account_id: int
    is_guest: bool
    effects: list[Effect] = field(default_factory=list)

    def emit_after(self, effects: list[Effect]) -> None:
        self.effects.extend(effects)


Handler = Callable[[EventContext, dict[str, Any]], Awaitable[dict[str, Any]]]
EVENTS: dict[str, Handler] = {}


def event(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if name in EVENTS:
            raise RuntimeError(f"socket event {name!r} registered twice")
        EVENTS[name] = fn
        return fn

    return register
