"""roles: teams, shadowing notice, supervision checks, promotion rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.config_reader import ConfigError, Reader


@dataclass(frozen=True)
class PromotionConfig:
    # A trainee becomes eligible for helper with at least this many vouches ...
    vouches_required: int = 3
    # ... given by at least this many different people.
    distinct_vouchers_required: int = 2

    @classmethod
    def parse(cls, r: Reader) -> PromotionConfig:
        d = cls()
        cfg = cls(
            vouches_required=r.int("vouches_required", d.vouches_required, minimum=0, maximum=1000),
            distinct_vouchers_required=r.int("distinct_vouchers_required", d.distinct_vouchers_required,
                                             minimum=0, maximum=1000),
        )
        if cfg.distinct_vouchers_required > cfg.vouches_required:
            raise ConfigError(f"config key '{r.key('distinct_vouchers_required')}': cannot exceed "
                              f"vouches_required ({cfg.vouches_required})")
        r.done()
        return cfg


@dataclass(frozen=True)
class RolesConfig:
    # Team names accounts may belong to (escalation-social, admissions, experts:frontend ...).
    teams: tuple[str, ...] = ()
    # Tell the requester "a trainee is observing this chat" when a trainee shadows.
    announce_shadow: bool = True
    # How often supervised cases are checked for a monitor who is gone (shift ended, crashed
    # process); disconnects and duty.set off are handled at once. 0 turns the periodic check off.
    supervision_check_interval: float = 30.0
    # A supervising monitor whose last socket drops (a page reload) keeps the case this long before it is
    # handed over or re-queued; the trainee keeps working meanwhile. 0 = at once.
    monitor_grace: float = 60.0
    promotion: PromotionConfig = field(default_factory=PromotionConfig)

    @classmethod
    def parse(cls, r: Reader) -> RolesConfig:
        d = cls()
        teams = r.str_list("teams", list(d.teams))
        bad = [t for t in teams if not t.strip() or len(t) > 64]
        if bad:
            raise ConfigError(f"config key '{r.key('teams')}': team names are 1-64 characters, got {bad[0]!r}")
        cfg = cls(
            teams=teams,
            announce_shadow=r.bool("announce_shadow", d.announce_shadow),
            supervision_check_interval=r.duration("supervision_check_interval", d.supervision_check_interval),
            monitor_grace=r.duration("monitor_grace", d.monitor_grace),
            promotion=PromotionConfig.parse(r.section("promotion")),
        )
        r.done()
        return cfg
