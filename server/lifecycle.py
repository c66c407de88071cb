"""Case states and the transitions allowed between them. Pure; actions use it in conditional updates.

queued → active ⇄ on_hold → (escalated) → resolved, or queued → abandoned.
"""

from __future__ import annotations

QUEUED, ACTIVE, ON_HOLD, ESCALATED, RESOLVED, ABANDONED = (
    "queued", "active", "on_hold", "escalated", "resolved", "abandoned",
)
STATUSES = (QUEUED, ACTIVE, ON_HOLD, ESCALATED, RESOLVED, ABANDONED)
OPEN = frozenset({QUEUED, ACTIVE, ON_HOLD, ESCALATED})
CLOSED = frozenset({RESOLVED, ABANDONED})

TRANSITIONS: dict[str, frozenset[str]] = {
    "claim": frozenset({QUEUED}),
    "hold": frozenset({ACTIVE}),
    "resume": frozenset({ON_HOLD}),
    "escalate": frozenset({ACTIVE, ON_HOLD}),
    "resolve": frozenset({ACTIVE, ON_HOLD, ESCALATED}),
    "abandon": frozenset({QUEUED}),
    "requeue": frozenset({ACTIVE, ON_HOLD}),
    "auto_close": frozenset({ON_HOLD}),
}
TARGET: dict[str, str] = {
    "claim": ACTIVE,
    "hold": ON_HOLD,
    "resume": ACTIVE,
    "escalate": ESCALATED,
    "resolve": RESOLVED,
    "abandon": ABANDONED,
    "requeue": QUEUED,
    "auto_close": RESOLVED,
}


def sources(action: str) -> frozenset[str]:
    """States from which `action` may start (used in UPDATE ... WHERE status IN (...))."""
    return TRANSITIONS[action]


def target(action: str) -> str:
    return TARGET[action]


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action]
