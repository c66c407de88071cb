"""A small reader over the raw YAML mapping that names the exact key in every error.

A bad config must fail at start with one clear line naming the key, so every accessor knows its dotted
path and unknown keys are refused (a typo must not silently fall back to a default).
"""

from __future__ import annotations

import re
from typing import Any, TypeAlias

from server.config_base import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


# Reader names its methods after the types they read (r.str, r.int ...), which shadows the builtins
# inside the class body: its annotations use these aliases.
_str: TypeAlias = str
_int: TypeAlias = int
_float: TypeAlias = float
_bool: TypeAlias = bool
_list: TypeAlias = list


def parse_duration(value: Any, path: str) -> float:
    """'30d', '10m', '1h', '45s', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"config key '{path}': expected a duration like 30d, 10m or 45s, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ConfigError(f"config key '{path}': a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    raise ConfigError(f"config key '{path}': expected a duration like 30d, 10m or 45s, got {value!r}")


class Reader:
    """Typed access to one mapping of the config, tracking which keys were read."""

    def __init__(self, raw: Any, path: _str = "") -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError(f"config key '{path or '<root>'}': expected a mapping, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.path = path
        self._seen: set[str] = set()

    def key(self, name: _str) -> _str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: _str) -> _bool:
        return name in self.raw

    def get(self, name: _str, default: Any = None) -> Any:
        self._seen.add(name)
        return self.raw.get(name, default)

    def section(self, name: _str) -> Reader:
        return Reader(self.get(name), self.key(name))

    def str(self, name: _str, default: _str | None = None, *, choices: tuple[_str, ...] | None = None) -> _str:
        value = self.get(name, default)
        if not isinstance(value, str):
            raise ConfigError(f"config key '{self.key(name)}': expected text, got {value!r}")
        if choices and value not in choices:
            raise ConfigError(f"config key '{self.key(name)}': expected one of {', '.join(choices)}, got {value!r}")
        return value

    def opt_str(self, name: _str, default: _str | None = None) -> _str | None:
        value = self.get(name, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"config key '{self.key(name)}': expected text, got {value!r}")
        return value

    def int(self, name: _str, default: _int, *, minimum: _int | None = None, maximum: _int | None = None) -> _int:
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{self.key(name)}': expected a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"config key '{self.key(name)}': must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"config key '{self.key(name)}': must be at most {maximum}, got {value}")
        return value

    def float(self, name: _str, default: _float) -> _float:
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{self.key(name)}': expected a number, got {value!r}")
        return float(value)

    def bool(self, name: _str, default: _bool) -> _bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{self.key(name)}': expected true or false, got {value!r}")
        return value

    def duration(self, name: _str, default: Any) -> _float:
        return parse_duration(self.get(name, default), self.key(name))

    def str_list(self, name: _str, default: _list[_str] | None = None) -> tuple[_str, ...]:
        value = self.get(name, default if default is not None else [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config key '{self.key(name)}': expected a list of text, got {value!r}")
        return tuple(value)

    def list(self, name: _str) -> _list[Any]:
        value = self.get(name, [])
        if not isinstance(value, list):
            raise ConfigError(f"config key '{self.key(name)}': expected a list, got {value!r}")
        return value

    def mapping(self, name: _str) -> dict[_str, Any]:
        value = self.get(name, {})
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{self.key(name)}': expected a mapping, got {value!r}")
        return value

    def done(self) -> None:
        """Refuse keys nobody read: a typo must not pass silently."""
        unknown = sorted(set(self.raw) - self._seen)
        if unknown:
            raise ConfigError(f"config key '{self.key(unknown[0])}': unknown setting")
