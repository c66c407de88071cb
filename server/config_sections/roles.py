"""roles: teams, shadowing notice, promotion rules."""

from __future__ import annotations

from dataclasses import dataclass

from server.config_reader import Reader


@dataclass(frozen=True)
class RolesConfig:
    # Team names accounts may belong to (escalation-social, admissions, experts:frontend ...).
    teams: tuple[str, ...] = ()
    # Tell the requester "a trainee is observing this chat" when a trainee shadows.
    announce_shadow: bool = True

    @classmethod
    def parse(cls, r: Reader) -> "RolesConfig":
        d = cls()
        cfg = cls(
            teams=r.str_list("teams", list(d.teams)),
            announce_shadow=r.bool("announce_shadow", d.announce_shadow),
        )
        r.done()
        return cfg
