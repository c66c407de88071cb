"""The building blocks every payload model uses, and the one place a ValidationError becomes `invalid`.

Models refuse unknown keys and are strict (a "5" is not a number, true is not 1), as the hand-written checks
were. Text is NFC-normalised and refused when it holds control characters or lone surrogates (which no
database driver can store). Ids are bounded to what an INTEGER column holds, so 2**31 answers `invalid`, not 503.
Limits that config.yaml sets (message length, history page) come in the validation context.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from server.clock import parse_iso
from server.errors import Invalid

MAX_ID = 2**31 - 1  # ids and seqs are INTEGER columns: larger ones cannot exist, and PostgreSQL fails on them
# Control characters other than newline and tab (C0, DEL, C1), and UTF-16 surrogates (no lone half of a pair
# survives UTF-8 encoding), are refused in user text.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # the ASCII part of the above, for ASCII-only text


class Payload(BaseModel):
    """A JSON object sent by a client (socket event payload or REST body): strict, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)


class Query(BaseModel):
    """REST query string or path parameters: text on the wire, so numbers are parsed (lax), no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=True, hide_input_in_errors=True)


class Empty(Payload):
    """An event that takes no arguments: `{}` (or no payload at all)."""


@dataclass(frozen=True, slots=True)
class TextRule:
    """Annotated[str, TextRule(...)]: a text field. `blank` lets an empty string through (optional text);
    `limit` names the config.yaml `limits` attribute that caps the length below `max_chars`, the schema's cap."""

    max_chars: int
    one_line: bool = False
    blank: bool = False
    limit: str | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_info_after_validator_function(self.check,
                                                              core_schema.str_schema(max_length=self.max_chars))

    def check(self, value: str, info: ValidationInfo) -> str:
        if not value.isascii():
            if _BAD_CHARS.search(value):
                raise PydanticCustomError("text", "contains control characters or invalid unicode")
            value = unicodedata.normalize("NFC", value)
        elif _CONTROL.search(value):
            raise PydanticCustomError("text", "contains control characters or invalid unicode")
        if self.one_line and ("\n" in value or "\t" in value):
            raise PydanticCustomError("text", "must be one line")
        if not self.blank and not value.strip():
            raise PydanticCustomError("text", "must not be empty")
        maximum = self.max_chars
        if self.limit is not None and info.context is not None:
            maximum = getattr(info.context, self.limit)
        if len(value) > maximum:
            raise PydanticCustomError("text", "is longer than {max} characters", {"max": maximum})
        return value


@dataclass(frozen=True, slots=True)
class AtMostLimit:
    """Annotated[int, AtMostLimit("history_max")]: capped by a config.yaml `limits` attribute."""

    limit: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_info_after_validator_function(self.check, handler(source))

    def check(self, value: int, info: ValidationInfo) -> int:
        maximum = getattr(info.context, self.limit, None) if info.context is not None else None
        if maximum is not None and value > maximum:
            raise PydanticCustomError("limit", "must be at most {max}", {"max": maximum})
        return value


def _room_key(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= 19:
        return int(value)
    raise PydanticCustomError("room_key", "is not a room id")


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]
RoomKey = Annotated[int, BeforeValidator(_room_key), Field(ge=1, le=MAX_ID)]
Name = Annotated[str, TextRule(64, one_line=True)]  # a route, team, queue, priority: one line


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_unicode": "must be valid unicode text",
    "string_too_long": "is longer than {max_length} characters",
    "string_too_short": "must not be empty",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "list_type": "must be a list",
    "too_long": "has more than {max_length} items",
    "too_short": "has fewer than {min_length} items",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_type": "must be an ISO-8601 time",
    "datetime_parsing": "must be an ISO-8601 time",
    "datetime_from_date_parsing": "must be an ISO-8601 time",
    "timezone_aware": "must carry a time zone (e.g. Z)",
}


def invalid(exc: ValidationError) -> Invalid:
    """The first error as one line that names the field: `'case_id' must be a whole number`."""
    err = exc.errors(include_url=False, include_input=False, include_context=True)[0]
    loc = ".".join(str(part) for part in err["loc"])
    template = _MESSAGES.get(err["type"])
    text = template.format(**err.get("ctx", {})) if template else err["msg"]
    if not loc:
        return Invalid("the payload must be a JSON object" if err["type"] in ("model_type", "dict_type") else text)
    return Invalid(f"'{loc}' {text}", field=loc)


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any, limits: object | None = None) -> M:
    """Validate `data` as `model`, answering `invalid` with one line naming the field."""
    try:
        return model.model_validate({} if data is None else data, context=limits)
    except ValidationError as exc:
        raise invalid(exc) from None


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            pass
    raise PydanticCustomError("instant", "must be an ISO-8601 time like 2026-01-05T09:00:00Z")


Instant = Annotated[dt.datetime, BeforeValidator(_instant)]


class IdPath(Query):
    """A REST path naming one object by id: /api/cases/{id}."""

    id: Id
