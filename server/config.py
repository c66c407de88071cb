"""Load config.yaml once into a frozen, validated Config.

Each feature area owns its section module under server/config_sections/; this module wires them.
Environment overrides: LIVEHELP_CONFIG (the file) and LIVEHELP_DATABASE_URL (database.url).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BeforeValidator, Field, field_validator, model_validator

from server.config_base import (
    Bool,
    ConfigError,
    Duration,
    Int,
    Invalid,
    Networks,
    Number,
    Section,
    Str,
    Texts,
    validate,
)
from server.config_sections.alerts import AlertsConfig
from server.config_sections.escalation import EscalationConfig
from server.config_sections.helpdesk import HelpdeskConfig
from server.config_sections.metrics import MetricsConfig
from server.config_sections.retention import RetentionConfig, parse_size
from server.config_sections.roles import RolesConfig
from server.passwords import Argon2Cost

__all__ = ["Config", "ConfigError", "config_from_mapping", "load_config"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/livehelp.db"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class ServerConfig(Section):
    host: Str = "127.0.0.1"
    port: Annotated[Int, Field(ge=0, le=65535)] = 8080
    # Socket.IO heartbeat: a silent client is dropped after ping_interval + ping_timeout.
    ping_interval: Duration = 25.0
    ping_timeout: Duration = 20.0
    # Seconds SIGTERM waits for in-flight writes before closing connections.
    shutdown_timeout: Duration = 10.0
    # Redis URL for python-socketio's Redis manager (several processes); empty = one process.
    redis_url: Annotated[Str | None, BeforeValidator(lambda v: v or None)] = None
    # Pub/sub channel shared by the processes of one deployment.
    redis_channel: Str = "livehelp"
    # Origins allowed for Socket.IO (CORS); empty list = same origin only.
    cors_origins: Texts = ()
    # Most packets waiting to be sent to one socket; a client that stops reading is disconnected past it.
    send_queue_max: Annotated[Int, Field(ge=1)] = 1000
    # Each process says it is alive this often; one silent for `dead_after` is taken for crashed and another
    # process clears its presence rows (running the last-disconnect steps for the people who were on it).
    heartbeat_interval: Duration = 10.0
    dead_after: Duration = 30.0
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client for per-address limits
    # (login throttling, guest creation): the right-most address there not itself trusted. Empty = the
    # header is ignored, and it is ignored from every peer not listed (server/forwarded.py).
    trusted_proxies: Networks = ()

    @model_validator(mode="after")
    def _dead_after_heartbeat(self) -> ServerConfig:
        if not 0 < self.heartbeat_interval < self.dead_after:
            raise Invalid("must be longer than server.heartbeat_interval (above 0)", at=("dead_after",))
        return self


class DatabaseConfig(Section):
    url: Str = DEFAULT_DATABASE_URL
    # Group commit: the message writer commits up to this many messages per transaction...
    batch_max: Annotated[Int, Field(ge=1, le=10000)] = 256
    # ...and a message alone in the queue waits this long for company before its commit (0 = never).
    batch_wait: Duration = 0.001
    pool_size: Annotated[Int, Field(ge=1)] = 5
    echo: Bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        if "://" not in url:
            raise Invalid(f"expected a URL like sqlite+aiosqlite:///file.db, got {url!r}")
        return url


class AuthConfig(Section):
    token_ttl: Duration = 30 * 86400
    guest_token_ttl: Duration = 7 * 86400
    password_min_length: Annotated[Int, Field(ge=1)] = 8
    self_signup: Bool = False
    # How often each process re-checks its open sockets' tokens and roles (revocation from another
    # process, e.g. `livehelp accounts revoke-tokens`, bites within this bound).
    session_check_interval: Duration = 1.0
    # argon2id cost of new password hashes (server/passwords.py, read as password_cost); tests and the bench lower it.
    argon2_time_cost: Annotated[Int, Field(ge=1, le=20)] = Argon2Cost.time_cost
    argon2_memory_kib: Annotated[Int, Field(ge=64, le=4 * 1024 * 1024)] = Argon2Cost.memory_kib
    argon2_parallelism: Annotated[Int, Field(ge=1, le=8)] = Argon2Cost.parallelism
    # Before argon2id the cost was scrypt's; the key is still accepted (and unused) so older config files load.
    scrypt_log_n: Annotated[Int, Field(ge=4, le=20)] = 15

    @property
    def password_cost(self) -> Argon2Cost:
        return Argon2Cost(self.argon2_time_cost, self.argon2_memory_kib, self.argon2_parallelism)


Positive = Annotated[Number, Field(gt=0)]
AtLeastOne = Annotated[Int, Field(ge=1)]


class LimitsConfig(Section):
    message_max_chars: AtLeastOne = 4000
    display_name_max_chars: AtLeastOne = 64
    room_name_max_chars: Annotated[Int, Field(ge=2)] = 64
    history_max: AtLeastOne = 200
    sync_max_per_room: AtLeastOne = 1000
    # One `sync` answers at most this many rooms with news and this many messages in all ("more" says
    # which rooms have more; the client asks again).
    sync_max_rooms: AtLeastOne = 20
    sync_max_messages: AtLeastOne = 2000
    client_id_max_chars: AtLeastOne = 64
    # Socket events per connection per second before rate_limited answers.
    events_per_second: Positive = 50.0
    events_burst: AtLeastOne = 100
    # Abuse limits (docs/security.md). Failed logins: past either count in the window, every login to that
    # account / from that address answers rate_limited (the right password too) until the window ends.
    login_failures_per_account: AtLeastOne = 5
    login_failures_per_ip: AtLeastOne = 20
    login_window: Duration = 15 * 60
    guests_per_ip: AtLeastOne = 10          # POST /api/guest per address per guest_window
    guest_window: Duration = 60.0
    help_requests_per_account: AtLeastOne = 5   # help.request per account per help_request_window
    help_request_window: Duration = 10 * 60
    open_cases_per_requester: AtLeastOne = 2    # queued, active, on hold or escalated at once
    account_messages_per_second: Positive = 2.0   # message.send per account (all its sockets), sustained
    account_messages_burst: AtLeastOne = 20
    # Sizes in bytes ("1MB", "4MB", or a number). A REST JSON body over http_body_max answers 413 `invalid`
    # (it is also aiohttp's client_max_size: JSON bodies are the only ones read whole; uploads and Socket.IO
    # long-polling stream past it under their own caps).
    http_body_max: Annotated[int, BeforeValidator(parse_size), Field(ge=1024)] = 1_000_000
    # A Socket.IO frame over socket_frame_max is not read: the socket closes (websocket 1009). Below it a
    # payload over the 1,000,000-character cap is answered `invalid` (server/socket/frames.py); 4 MB lets
    # every payload under that cap through even in 4-byte UTF-8 characters.
    socket_frame_max: Annotated[int, BeforeValidator(parse_size), Field(ge=1_000_000)] = 4_000_000


class LoggingConfig(Section):
    format: Literal["text", "json"] = "text"
    level: LogLevel = "INFO"


class Config(Section):
    server: ServerConfig = Field(default_factory=ServerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    helpdesk: HelpdeskConfig = Field(default_factory=HelpdeskConfig)
    roles: RolesConfig = Field(default_factory=RolesConfig)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    # Where config.yaml was read from; relative paths (key files, SQLite) resolve against it. Not a key of
    # the file: config_from_mapping sets it.
    base_dir: Str = "."

    def with_database_url(self, url: str) -> Config:
        database = validate(DatabaseConfig, {**self.database.model_dump(), "url": url}, "database")
        return self.model_copy(update={"database": database})


def config_from_mapping(raw: Any, base_dir: str = ".") -> Config:
    """Build a Config from an already-parsed mapping (tests pass overrides this way)."""
    if isinstance(raw, dict) and "base_dir" in raw:
        raise ConfigError("config key 'base_dir': unknown setting")
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"config key '<root>': expected a mapping, got {type(raw).__name__}")
    return validate(Config, {**(raw or {}), "base_dir": base_dir})


def load_config(path: str | os.PathLike[str] | None = None, *, database_url: str | None = None) -> Config:
    """Read config.yaml (or LIVEHELP_CONFIG), apply LIVEHELP_DATABASE_URL, validate everything once."""
    chosen = path or os.environ.get("LIVEHELP_CONFIG") or "config.yaml"
    p = Path(chosen)
    if p.exists():
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{p}: not valid YAML{where}") from None
        base_dir = str(p.resolve().parent)
    elif path is not None or os.environ.get("LIVEHELP_CONFIG"):
        raise ConfigError(f"config file {p} does not exist")
    else:
        raw, base_dir = {}, str(Path.cwd())
    cfg = config_from_mapping(raw, base_dir)
    url = database_url or os.environ.get("LIVEHELP_DATABASE_URL")
    if url:
        cfg = cfg.with_database_url(url)
    return cfg


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge two raw mappings (tests layer overrides on config.yaml)."""
    out = dict(base)
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out
