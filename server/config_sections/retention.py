"""retention: the master key's source, retention periods per data class, the purge schedule, uploads and
the patterns that mark a message sensitive automatically.

Everything is checked once at start: a bad regex, an unknown content type or a malformed size fails with
one line naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from server.config_reader import ConfigError, Reader

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


@dataclass(frozen=True)
class SensitivePattern:
    name: str
    regex: re.Pattern[str]
    # Only a match whose digits pass the Luhn check counts (card numbers).
    luhn: bool = False


def _default_patterns() -> tuple[SensitivePattern, ...]:
    return tuple(SensitivePattern(n, re.compile(rx, re.IGNORECASE if ic else 0), luhn)
                 for n, rx, ic, luhn in DEFAULT_PATTERNS)


# name, regex, ignore case, luhn. Kept in step with config.yaml (which lists them for operators to edit).
DEFAULT_PATTERNS: tuple[tuple[str, str, bool, bool], ...] = (
    ("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", False, False),
    ("card_number", r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)", False, True),
    ("trade_id", r"\b(?:TRD|TRADE)[-#: ]?\d{6,}\b", True, False),
    ("api_key", r"\b(?:(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}"
                r"|xox[abpr]-[A-Za-z0-9-]{10,})\b", False, False),
    ("credential", r"\b(?:api[_-]?key|secret|token|password|passwd)\s*[:=]\s*\S{6,}", True, False),
)


@dataclass(frozen=True)
class RetentionPeriods:
    """Seconds kept after a case closes, per data class (audit_detail: after the audit record is written)."""

    sensitive_messages: float = 30 * DAY
    uploads: float = 30 * DAY
    guest_transcripts: float = 30 * DAY
    audit_detail: float = 30 * DAY


@dataclass(frozen=True)
class ScheduleConfig:
    # How often the server runs the purge itself; 0 = never (run `livehelp retention run` from cron).
    every: float = 3600.0
    # Delay after start before the first run.
    first_after: float = 60.0
    # Cases per batch: each case commits on its own; the lease is renewed between batches.
    batch_size: int = 100
    # A crashed holder's lease lapses after this long; a running job renews it every batch.
    lease: float = 600.0


@dataclass(frozen=True)
class UploadsConfig:
    max_size: int = 10 * 1000**2
    sensitive_by_default: bool = True
    types: tuple[str, ...] = DEFAULT_UPLOAD_TYPES


@dataclass(frozen=True)
class RetentionConfig:
    # File holding the base64 master key (relative to config.yaml). $LIVEHELP_MASTER_KEY wins when set.
    # Empty: on SQLite a key file is created beside the database on first start; elsewhere the start fails.
    master_key_file: str = ""
    periods: RetentionPeriods = field(default_factory=RetentionPeriods)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    uploads: UploadsConfig = field(default_factory=UploadsConfig)
    auto_sensitive: bool = True
    patterns: tuple[SensitivePattern, ...] = field(default_factory=_default_patterns)

    @classmethod
    def parse(cls, r: Reader) -> RetentionConfig:
        d = cls()
        master_key_file = r.opt_str("master_key_file", "") or ""

        pr = r.section("periods")
        dp = RetentionPeriods()
        periods = RetentionPeriods(**{name: pr.duration(name, getattr(dp, name)) for name in DATA_CLASSES})
        pr.done()

        sr = r.section("schedule")
        ds = ScheduleConfig()
        schedule = ScheduleConfig(
            every=sr.duration("every", ds.every),
            first_after=sr.duration("first_after", ds.first_after),
            batch_size=sr.int("batch_size", ds.batch_size, minimum=1, maximum=10000),
            lease=sr.duration("lease", ds.lease),
        )
        if schedule.lease < 10:
            raise ConfigError(f"config key '{sr.key('lease')}': must be at least 10s")
        sr.done()

        ur = r.section("uploads")
        du = UploadsConfig()
        types = ur.str_list("types", list(du.types))
        for i, t in enumerate(types):
            if t not in SNIFFABLE_TYPES:
                raise ConfigError(f"config key '{ur.key('types')}[{i}]': {t!r} cannot be recognised from a "
                                  f"file's bytes; choose from {', '.join(SNIFFABLE_TYPES)}")
        uploads = UploadsConfig(
            max_size=parse_size(ur.get("max_size", du.max_size), ur.key("max_size")),
            sensitive_by_default=ur.bool("sensitive_by_default", du.sensitive_by_default),
            types=types,
        )
        if uploads.max_size < 1:
            raise ConfigError(f"config key '{ur.key('max_size')}': must be at least 1 byte")
        ur.done()

        ar = r.section("auto_sensitive")
        auto = ar.bool("enabled", d.auto_sensitive)
        patterns = _patterns(ar) if ar.has("patterns") else d.patterns
        ar.done()

        cfg = cls(master_key_file=master_key_file, periods=periods, schedule=schedule, uploads=uploads,
                  auto_sensitive=auto, patterns=patterns)
        r.done()
        return cfg


def _patterns(r: Reader) -> tuple[SensitivePattern, ...]:
    out: list[SensitivePattern] = []
    names: set[str] = set()
    for i, raw in enumerate(r.list("patterns")):
        pr = Reader(raw, r.key(f"patterns[{i}]"))
        name = pr.str("name")
        if not re.match(r"^[a-z][a-z0-9_]{0,31}$", name) or name in names:
            raise ConfigError(f"config key '{pr.key('name')}': a unique short name of a-z, 0-9, '_' is "
                              f"required, got {name!r}")
        names.add(name)
        flags = re.IGNORECASE if pr.bool("ignore_case", False) else 0
        try:
            rx = re.compile(pr.str("regex"), flags)
        except re.error as exc:
            raise ConfigError(f"config key '{pr.key('regex')}': not a valid regular expression ({exc})") from None
        if rx.match(""):
            raise ConfigError(f"config key '{pr.key('regex')}': matches the empty text, so every message would "
                              f"be sensitive")
        out.append(SensitivePattern(name, rx, pr.bool("luhn", False)))
        pr.done()
    return tuple(out)


def parse_size(value: Any, path: str) -> int:
    """'10MB', '512KiB', '2mb' or a number of bytes -> bytes."""
    if isinstance(value, bool):
        raise ConfigError(f"config key '{path}': expected a size like 10MB, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        if m:
            return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower() or None])
    raise ConfigError(f"config key '{path}': expected a size like 10MB or 512KiB, got {value!r}")
