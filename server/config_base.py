"""What every config.yaml section is built from: a frozen pydantic model that refuses unknown keys, strict
scalar types (YAML's `"5"` is not a number, `yes` is not text), durations, and the one-line error.

A bad config must fail at start with one clear line naming the key (a typo must not silently fall back to
a default), so validation errors are turned into `config key 'a.b[2].c': what is wrong`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict, ValidationError, model_validator
from pydantic_core import ErrorDetails

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


class ConfigError(Exception):
    """One clear line naming the key that is wrong."""


class Invalid(ValueError):
    """Raised by a validator; `at` names the key below the validated object that is wrong (cross-field rules
    are checked on the section but must name the key the operator has to change)."""

    def __init__(self, message: str, *, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.at = at


def parse_duration(value: Any) -> float:
    """'30d', '10m', '1h', '45s', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise Invalid("a duration cannot be negative")
        return float(value)
    m = _DURATION.match(value) if isinstance(value, str) else None
    if m is None:
        raise Invalid(f"expected a duration like 30d, 10m or 45s, got {value!r}")
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Number = Annotated[float, Strict()]  # an int is a number too, a bool or "5" is not
Texts = tuple[Str, ...]
Duration = Annotated[float, BeforeValidator(parse_duration)]
M = TypeVar("M", bound=BaseModel)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: Any) -> Any:
    if not isinstance(value, str):
        raise Invalid(f"expected an address or network like 10.0.0.0/8, got {value!r}")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise Invalid(f"{value!r} is not an address or network like 10.0.0.0/8") from None


# A list of addresses or CIDR networks in config.yaml ("127.0.0.1", "10.0.0.0/8", "::1").
Networks = tuple[Annotated[Network, BeforeValidator(_network)], ...]


def matching(pattern: str, rule: str) -> AfterValidator:
    """Text that must match `pattern`; `rule` says in words what the operator may write."""
    rx = re.compile(pattern)

    def check(value: str) -> str:
        if not rx.match(value):
            raise Invalid(f"{rule}, got {value!r}")
        return value

    return AfterValidator(check)


def named(value: Any) -> Any:
    """A YAML mapping `name: {spec}` -> each spec gets its key as `name` (so a model knows its own name)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, spec in value.items():
        spec = {} if spec is None else spec
        if isinstance(spec, dict):
            if "name" in spec:
                raise Invalid("unknown setting (the name is the key above)", at=(str(key), "name"))
            spec = {**spec, "name": str(key)}
        out[str(key)] = spec
    return out


def none_is_empty(value: Any) -> Any:
    """`key:` with nothing after it (YAML null) reads as empty text."""
    return "" if value is None else value


class Section(BaseModel):
    """A config.yaml mapping: frozen, unknown keys refused, an empty section (`helpdesk:`) means defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_defaults(cls, data: Any) -> Any:
        return {} if data is None else data


_MESSAGES = {
    "extra_forbidden": "unknown setting",
    "missing": "required",
    "string_type": "expected text, got {got!r}",
    "int_type": "expected a whole number, got {got!r}",
    "float_type": "expected a number, got {got!r}",
    "bool_type": "expected true or false, got {got!r}",
    "tuple_type": "expected a list, got {got!r}",
    "list_type": "expected a list, got {got!r}",
    "dict_type": "expected a mapping, got {got!r}",
    "model_type": "expected a mapping, got {got!r}",
    "greater_than_equal": "must be at least {ge}, got {got!r}",
    "less_than_equal": "must be at most {le}, got {got!r}",
    "greater_than": "must be above {gt}, got {got!r}",
    "literal_error": "expected one of {expected}, got {got!r}",
}


def key_path(loc: tuple[str | int, ...]) -> str:
    """('helpdesk', 'canned', 1, 'shortcut') -> 'helpdesk.canned[1].shortcut'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def describe(err: ErrorDetails, prefix: tuple[str | int, ...] = ()) -> str:
    """One pydantic error as the one line an operator reads."""
    ctx, loc = err.get("ctx") or {}, prefix + tuple(err["loc"])
    cause = ctx.get("error")
    if isinstance(cause, ValueError):
        loc += getattr(cause, "at", ())
        message = str(cause)
    elif err["type"] in _MESSAGES:
        message = _MESSAGES[err["type"]].format(got=err["input"], **ctx)
    else:
        message = err["msg"]
    return f"config key '{key_path(loc)}': {message}".replace("\n", " ")


def validate(model: type[M], raw: Any, *loc: str | int) -> M:
    """model.model_validate(raw), a failure turned into a ConfigError naming the first wrong key."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc.errors()[0], loc)) from None
