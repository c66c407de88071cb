"""retention: the master key's source, retention periods per data class, the purge schedule, uploads and
the patterns that mark a message sensitive automatically.

Everything is checked once at start: a bad regex, an unknown content type or a malformed size fails with
one line naming the key.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, model_validator

from server.config_base import Bool, Duration, Int, Invalid, Section, Str, matching, none_is_empty

DAY = 86400.0
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2,
               "gib": 1024**3}

# Content types an upload may have; each must be one the server can recognise from the bytes
# (retention/sniff.py), so a declared type is never trusted alone.
SNIFFABLE_TYPES = ("text/plain", "text/csv", "application/json", "image/png", "image/jpeg", "image/gif",
                   "image/webp", "application/pdf", "application/zip", "application/gzip")
DEFAULT_UPLOAD_TYPES = ("text/plain", "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                        "application/zip", "application/gzip")

DATA_CLASSES = ("sensitive_messages", "uploads", "guest_transcripts", "audit_detail")


class SensitivePattern(Section):
    # A unique short name (shown to staff as the reason a message was marked).
    name: Annotated[Str, matching(r"^[a-z][a-z0-9_]{0,31}$", "a unique short name of a-z, 0-9, '_' is required")]
    # config.yaml gives `regex` (text) and `ignore_case`; the model holds the compiled expression.
    regex: re.Pattern[str]
    # Only a match whose digits pass the Luhn check counts (card numbers).
    luhn: Bool = False

    @model_validator(mode="before")
    @classmethod
    def _compile(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("regex"), str):
            return data
        data = dict(data)
        ignore_case = data.pop("ignore_case", False)
        if not isinstance(ignore_case, bool):
            raise Invalid(f"expected true or false, got {ignore_case!r}", at=("ignore_case",))
        try:
            rx = re.compile(data["regex"], re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise Invalid(f"not a valid regular expression ({exc})", at=("regex",)) from None
        if rx.match(""):
            raise Invalid("matches the empty text, so every message would be sensitive", at=("regex",))
        return {**data, "regex": rx}


# name, regex, ignore case, luhn. Kept in step with config.yaml (which lists them for operators to edit).
DEFAULT_PATTERNS: tuple[tuple[str, str, bool, bool], ...] = (
    ("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", False, False),
    ("card_number", r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)", False, True),
    ("trade_id", r"\b(?:TRD|TRADE)[-#: ]?\d{6,}\b", True, False),
    ("api_key", r"\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}"
                r"|xox[abpr]-[A-Za-z0-9-]{10,})\b", False, False),
    ("credential", r"\b(?:api[_-]?key|secret|token|password|passwd)\s*[:=]\s*\S{6,}", True, False),
)


def _default_patterns() -> tuple[SensitivePattern, ...]:
    return tuple(SensitivePattern.model_validate({"name": n, "regex": rx, "ignore_case": ic, "luhn": luhn})
                 for n, rx, ic, luhn in DEFAULT_PATTERNS)


def parse_size(value: Any) -> int:
    """'10MB', '512KiB', '2mb' or a number of bytes -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE.match(value) if isinstance(value, str) else None
    if m is None:
        raise Invalid(f"expected a size like 10MB or 512KiB, got {value!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower() or None])


def _sniffable(content_type: str) -> str:
    if content_type not in SNIFFABLE_TYPES:
        raise Invalid(f"{content_type!r} cannot be recognised from a file's bytes; choose from "
                      f"{', '.join(SNIFFABLE_TYPES)}")
    return content_type


class RetentionPeriods(Section):
    """Seconds kept after a case closes, per data class (audit_detail: after the audit record is written)."""

    sensitive_messages: Duration = 30 * DAY
    uploads: Duration = 30 * DAY
    guest_transcripts: Duration = 30 * DAY
    audit_detail: Duration = 30 * DAY


class ScheduleConfig(Section):
    # How often the server runs the purge itself; 0 = never (run `livehelp retention run` from cron).
    every: Duration = 3600.0
    # Delay after start before the first run.
    first_after: Duration = 60.0
    # Cases per batch: each case commits on its own; the lease is renewed between batches.
    batch_size: Annotated[Int, Field(ge=1, le=10000)] = 100
    # A crashed holder's lease lapses after this long; a running job renews it every batch.
    lease: Duration = 600.0

    @model_validator(mode="after")
    def _lease_floor(self) -> ScheduleConfig:
        if self.lease < 10:
            raise Invalid("must be at least 10s", at=("lease",))
        return self


class UploadsConfig(Section):
    max_size: Annotated[int, BeforeValidator(parse_size), Field(ge=1)] = 10 * 1000**2
    sensitive_by_default: Bool = True
    types: tuple[Annotated[Str, AfterValidator(_sniffable)], ...] = DEFAULT_UPLOAD_TYPES


class AutoSensitiveConfig(Section):
    enabled: Bool = True
    patterns: tuple[SensitivePattern, ...] = Field(default_factory=_default_patterns)

    @model_validator(mode="after")
    def _unique_names(self) -> AutoSensitiveConfig:
        names = [p.name for p in self.patterns]
        dup = next((i for i, n in enumerate(names) if n in names[:i]), None)
        if dup is not None:
            raise Invalid(f"a unique short name is required, got {names[dup]!r} twice", at=("patterns", dup, "name"))
        return self


class RetentionConfig(Section):
    # File holding the base64 master key (relative to config.yaml). $LIVEHELP_MASTER_KEY wins when set.
    # Empty: on SQLite a key file is created beside the database on first start; elsewhere the start fails.
    master_key_file: Annotated[str, BeforeValidator(none_is_empty), Strict()] = ""
    periods: RetentionPeriods = Field(default_factory=RetentionPeriods)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    uploads: UploadsConfig = Field(default_factory=UploadsConfig)
    # config.yaml's `auto_sensitive: {enabled, patterns}`; read through the two properties below.
    auto: AutoSensitiveConfig = Field(default_factory=AutoSensitiveConfig, alias="auto_sensitive")

    @property
    def auto_sensitive(self) -> bool:
        return self.auto.enabled

    @property
    def patterns(self) -> tuple[SensitivePattern, ...]:
        return self.auto.patterns
