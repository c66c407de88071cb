"""escalation: routes, priorities, personal-escalation patterns."""

from __future__ import annotations

from dataclasses import dataclass

from server.config_reader import Reader


@dataclass(frozen=True)
class EscalationConfig:
    @classmethod
    def parse(cls, r: Reader) -> "EscalationConfig":
        cfg = cls()
        r.done()
        return cfg
