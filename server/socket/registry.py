"""The event table: dotted event name -> (payload model, handler). Handler modules register with
@event("name"); the name's payload model comes from server/schemas/registry.py, so an event cannot exist
without a declared schema, and the dispatcher validates before the handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from server.deps import Deps
from server.notify import Effect
from server.schemas.registry import SOCKET_EVENTS


@dataclass
class EventContext:
    deps: Deps
    sid: str
    account_id: int
    is_guest: bool
    effects: list[Effect] = field(default_factory=list)

    def emit_after(self, effects: list[Effect]) -> None:
        self.effects.extend(effects)


Handler = Callable[[EventContext, Any], Awaitable[dict[str, Any]]]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True, slots=True)
class Registered:
    model: type[BaseModel]
    handler: Handler


EVENTS: dict[str, Registered] = {}


def event(name: str) -> Callable[[H], H]:
    model = SOCKET_EVENTS.get(name)
    if model is None:
        raise RuntimeError(f"socket event {name!r} has no payload model in server/schemas/registry.py")

    def register(fn: H) -> H:
        if name in EVENTS:
            raise RuntimeError(f"socket event {name!r} registered twice")
        EVENTS[name] = Registered(model, fn)
        return fn

    return register
