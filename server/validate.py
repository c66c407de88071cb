"""Payload validation shared by socket and REST transports: bad input answers `invalid`, changes nothing."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from server.errors import Invalid

# Control characters other than newline and tab (C0, DEL, C1) are refused in user text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def require_mapping(payload: Any) -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise Invalid("the payload must be a JSON object")
    return payload


def text(payload: dict[str, Any], key: str, *, max_chars: int, required: bool = True, multiline: bool = True,
         default: str | None = None) -> str | None:
    value = payload.get(key, default)
    if value is None:
        if required:
            raise Invalid(f"'{key}' is required", field=key)
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{key}' must be text", field=key)
    value = unicodedata.normalize("NFC", value)
    if not multiline and ("\n" in value or "\t" in value):
        raise Invalid(f"'{key}' must be one line", field=key)
    if _CONTROL.search(value):
        raise Invalid(f"'{key}' contains control characters", field=key)
    if required and not value.strip():
        raise Invalid(f"'{key}' must not be empty", field=key)
    if len(value) > max_chars:
        raise Invalid(f"'{key}' is longer than {max_chars} characters", field=key)
    return value


def integer(payload: dict[str, Any], key: str, *, required: bool = True, minimum: int | None = None,
            maximum: int | None = None, default: int | None = None) -> int | None:
    value = payload.get(key, default)
    if value is None:
        if required:
            raise Invalid(f"'{key}' is required", field=key)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"'{key}' must be a whole number", field=key)
    if minimum is not None and value < minimum:
        raise Invalid(f"'{key}' must be at least {minimum}", field=key)
    if maximum is not None and value > maximum:
        raise Invalid(f"'{key}' must be at most {maximum}", field=key)
    return value


def boolean(payload: dict[str, Any], key: str, default: bool = False) -> bool:
    value = payload.get(key, default)
    if not isinstance(value, bool):
        raise Invalid(f"'{key}' must be true or false", field=key)
    return value


def choice(payload: dict[str, Any], key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = payload.get(key, default)
    if value not in choices:
        raise Invalid(f"'{key}' must be one of {', '.join(choices)}", field=key)
    return value


def string_list(payload: dict[str, Any], key: str, *, max_items: int = 50, max_chars: int = 200) -> list[str]:
    value = payload.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"'{key}' must be a list of text", field=key)
    if len(value) > max_items or any(len(v) > max_chars for v in value):
        raise Invalid(f"'{key}' is too long", field=key)
    return value
