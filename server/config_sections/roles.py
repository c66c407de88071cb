"""roles: teams, shadowing notice, supervision checks, promotion rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from server.config_base import Bool, Duration, Int, Invalid, Section, Texts


class PromotionConfig(Section):
    # A trainee becomes eligible for helper with at least this many vouches ...
    vouches_required: Annotated[Int, Field(ge=0, le=1000)] = 3
    # ... given by at least this many different people.
    distinct_vouchers_required: Annotated[Int, Field(ge=0, le=1000)] = 2

    @model_validator(mode="after")
    def _distinct_within_total(self) -> PromotionConfig:
        if self.distinct_vouchers_required > self.vouches_required:
            raise Invalid(f"cannot exceed vouches_required ({self.vouches_required})",
                          at=("distinct_vouchers_required",))
        return self


class RolesConfig(Section):
    # Team names accounts may belong to (escalation-social, admissions, experts:frontend ...).
    teams: Texts = ()
    # Tell the requester "a trainee is observing this chat" when a trainee shadows.
    announce_shadow: Bool = True
    # How often supervised cases are checked for a monitor who is gone (shift ended, crashed
    # process); disconnects and duty.set off are handled at once. 0 turns the periodic check off.
    supervision_check_interval: Duration = 30.0
    # A supervising monitor whose last socket drops (a page reload) keeps the case this long before it is
    # handed over or re-queued; the trainee keeps working meanwhile. 0 = at once.
    monitor_grace: Duration = 60.0
    promotion: PromotionConfig = Field(default_factory=PromotionConfig)

    @field_validator("teams")
    @classmethod
    def _team_names(cls, teams: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in teams if not t.strip() or len(t) > 64]
        if bad:
            raise Invalid(f"team names are 1-64 characters, got {bad[0]!r}")
        return teams
