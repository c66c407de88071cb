"""retention: sensitive data classes, keys, purge schedule."""

from __future__ import annotations

from dataclasses import dataclass

from server.config_reader import Reader


@dataclass(frozen=True)
class RetentionConfig:
    @classmethod
    def parse(cls, r: Reader) -> "RetentionConfig":
        cfg = cls()
        r.done()
        return cfg
