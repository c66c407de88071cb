"""Plain facts the policy decides on. Actions load them from storage; the policy never does I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

STAFF_ROLES = frozenset({"trainee", "helper", "monitor", "admin"})
OPEN_STATUSES = frozenset({"queued", "active", "on_hold", "escalated"})
LIVE_STATUSES = frozenset({"queued", "active", "on_hold", "escalated"})
CLOSED_STATUSES = frozenset({"resolved", "abandoned"})


@dataclass(frozen=True)
class Actor:
    id: int
    roles: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    is_guest: bool = False
    on_duty: bool = False
    connected: bool = True

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class CaseFacts:
    id: int
    status: str
    requester_id: int
    helper_id: int | None = None
    trainee_id: int | None = None
    monitor_id: int | None = None
    route: str | None = None
    queue: str = "general"
    # Team that owns the case while escalated (the route's team).
    escalation_team: str | None = None
    # Expert teams involved in the case.
    expert_teams: frozenset[str] = field(default_factory=frozenset)
    # An expert team was asked in and has not answered yet (the case waits for it).
    awaiting_experts: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_assigned(self, account_id: int) -> bool:
        return account_id in (self.helper_id, self.trainee_id)


@dataclass(frozen=True)
class RoomFacts:
    id: int
    kind: str  # case | team | direct
    # The actor's membership role in the room, or None if not a member.
    membership: str | None = None
    case: CaseFacts | None = None


# --- roles area: vouching and promotion ---------------------------------------------------------


@dataclass(frozen=True)
class VouchFacts:
    """What the vouching rule needs beyond the voucher and the case."""

    # The account vouched for (None when there is no such account).
    trainee: Actor | None
    # They were this case's trainee at some point (claimed it, or had it handed back, under supervision).
    trainee_took_case: bool
    # The voucher was in this case as its helper, monitor or a shadow.
    voucher_worked_case: bool
    # The voucher already vouched for them on this case.
    already_vouched: bool


@dataclass(frozen=True)
class Progress:
    """A trainee's vouches toward promotion."""

    vouches: int = 0
    distinct_vouchers: int = 0
