"""Turn a policy Decision into the domain error the transports answer with (forbidden or conflict)."""

from __future__ import annotations

from roles.policy import Decision
from server.errors import Conflict, Forbidden


def enforce(decision: Decision) -> None:
    """Raise unless allowed: Conflict for state refusals (decision.code == "conflict"), else Forbidden."""
    if decision:
        return
    if decision.code == "conflict":
        raise Conflict(decision.reason)
    raise Forbidden(decision.reason)
