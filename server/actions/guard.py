"""Turn a policy Decision into the domain error the transports answer with (forbidden or conflict)."""

from __future__ import annotations

from roles.policy import Decision
from server.errors import Conflict, Forbidden, NotFound


def enforce(decision: Decision) -> None:
    """Raise unless allowed: Conflict for state refusals, NotFound where existence must not leak, else
    Forbidden (decision.code)."""
    if decision:
        return
    if decision.code == "conflict":
        raise Conflict(decision.reason)
    if decision.code == "not_found":
        raise NotFound(decision.reason)
    raise Forbidden(decision.reason)
