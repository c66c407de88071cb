"""Load config.yaml once into a frozen, validated Config.

Each feature area owns its section module under server/config_sections/; this module wires them.
Environment overrides: LIVEHELP_CONFIG (the file) and LIVEHELP_DATABASE_URL (database.url).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from server.config_base import ConfigError, validate
from server.config_reader import Reader
from server.config_sections.alerts import AlertsConfig
from server.config_sections.escalation import EscalationConfig
from server.config_sections.helpdesk import HelpdeskConfig
from server.config_sections.metrics import MetricsConfig
from server.config_sections.retention import RetentionConfig
from server.config_sections.roles import RolesConfig
from server.passwords import Argon2Cost

__all__ = ["Config", "ConfigError", "config_from_mapping", "load_config"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/livehelp.db"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # Socket.IO heartbeat: a silent client is dropped after ping_interval + ping_timeout.
    ping_interval: float = 25.0
    ping_timeout: float = 20.0
    # Seconds SIGTERM waits for in-flight writes before closing connections.
    shutdown_timeout: float = 10.0
    # Redis URL for python-socketio's Redis manager (several processes); empty = one process.
    redis_url: str | None = None
    # Pub/sub channel shared by the processes of one deployment.
    redis_channel: str = "livehelp"
    # Origins allowed for Socket.IO (CORS); empty list = same origin only.
    cors_origins: tuple[str, ...] = ()
    # Most packets waiting to be sent to one socket; a client that stops reading is disconnected past it.
    send_queue_max: int = 1000
    # Each process says it is alive this often; one silent for `dead_after` is taken for crashed and another
    # process clears its presence rows (running the last-disconnect steps for the people who were on it).
    heartbeat_interval: float = 10.0
    dead_after: float = 30.0


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = DEFAULT_DATABASE_URL
    # Group commit: the message writer commits up to this many messages per transaction...
    batch_max: int = 256
    # ...and a message alone in the queue waits this long for company before its commit (0 = never).
    batch_wait: float = 0.003
    pool_size: int = 5
    echo: bool = False


@dataclass(frozen=True)
class AuthConfig:
    token_ttl: float = 30 * 86400
    guest_token_ttl: float = 7 * 86400
    password_min_length: int = 8
    self_signup: bool = False
    # How often each process re-checks its open sockets' tokens and roles (revocation from another
    # process, e.g. `livehelp accounts revoke-tokens`, bites within this bound).
    session_check_interval: float = 1.0
    # argon2id cost of new password hashes (server/passwords.py); tests and the bench lower it.
    password_cost: Argon2Cost = field(default_factory=Argon2Cost)


@dataclass(frozen=True)
class LimitsConfig:
    message_max_chars: int = 4000
    display_name_max_chars: int = 64
    room_name_max_chars: int = 64
    history_max: int = 200
    sync_max_per_room: int = 1000
    # One `sync` answers at most this many rooms with news and this many messages in all ("more" says
    # which rooms have more; the client asks again).
    sync_max_rooms: int = 20
    sync_max_messages: int = 2000
    client_id_max_chars: int = 64
    # Socket events per connection per second before rate_limited answers.
    events_per_second: float = 50.0
    events_burst: int = 100
    # Abuse limits (docs/security.md). Failed logins: past either count in the window, every login to that
    # account / from that address answers rate_limited (the right password too) until the window ends.
    login_failures_per_account: int = 5
    login_failures_per_ip: int = 20
    login_window: float = 15 * 60
    guests_per_ip: int = 10          # POST /api/guest per address per guest_window
    guest_window: float = 60.0
    help_requests_per_account: int = 5   # help.request per account per help_request_window
    help_request_window: float = 10 * 60
    open_cases_per_requester: int = 2    # queued, active, on hold or escalated at once
    account_messages_per_second: float = 2.0   # message.send per account (all its sockets), sustained
    account_messages_burst: int = 20


@dataclass(frozen=True)
class LoggingConfig:
    format: str = "text"  # text | json
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    helpdesk: HelpdeskConfig = field(default_factory=HelpdeskConfig)
    roles: RolesConfig = field(default_factory=RolesConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    # Where config.yaml was read from; relative paths (key files, SQLite) resolve against it.
    base_dir: str = "."

    def with_database_url(self, url: str) -> Config:
        return replace(self, database=replace(self.database, url=url))


def _server(r: Reader) -> ServerConfig:
    d = ServerConfig()
    cfg = ServerConfig(
        host=r.str("host", d.host),
        port=r.int("port", d.port, minimum=0, maximum=65535),
        ping_interval=r.duration("ping_interval", d.ping_interval),
        ping_timeout=r.duration("ping_timeout", d.ping_timeout),
        shutdown_timeout=r.duration("shutdown_timeout", d.shutdown_timeout),
        redis_url=r.opt_str("redis_url") or None,
        redis_channel=r.str("redis_channel", d.redis_channel),
        cors_origins=r.str_list("cors_origins"),
        send_queue_max=r.int("send_queue_max", d.send_queue_max, minimum=1),
        heartbeat_interval=r.duration("heartbeat_interval", d.heartbeat_interval),
        dead_after=r.duration("dead_after", d.dead_after),
    )
    if not 0 < cfg.heartbeat_interval < cfg.dead_after:
        raise ConfigError("config key 'server.dead_after': must be longer than server.heartbeat_interval (above 0)")
    r.done()
    return cfg


def _database(r: Reader) -> DatabaseConfig:
    d = DatabaseConfig()
    cfg = DatabaseConfig(
        url=r.str("url", d.url),
        batch_max=r.int("batch_max", d.batch_max, minimum=1, maximum=10000),
        batch_wait=r.duration("batch_wait", d.batch_wait),
        pool_size=r.int("pool_size", d.pool_size, minimum=1),
        echo=r.bool("echo", d.echo),
    )
    if "://" not in cfg.url:
        raise ConfigError(f"config key 'database.url': expected a URL like sqlite+aiosqlite:///file.db, got {cfg.url!r}")
    r.done()
    return cfg


def _auth(r: Reader) -> AuthConfig:
    d = AuthConfig()
    cfg = AuthConfig(
        token_ttl=r.duration("token_ttl", d.token_ttl),
        guest_token_ttl=r.duration("guest_token_ttl", d.guest_token_ttl),
        password_min_length=r.int("password_min_length", d.password_min_length, minimum=1),
        self_signup=r.bool("self_signup", d.self_signup),
        session_check_interval=r.duration("session_check_interval", d.session_check_interval),
        password_cost=Argon2Cost(
            time_cost=r.int("argon2_time_cost", d.password_cost.time_cost, minimum=1, maximum=20),
            memory_kib=r.int("argon2_memory_kib", d.password_cost.memory_kib, minimum=64, maximum=4 * 1024 * 1024),
            parallelism=r.int("argon2_parallelism", d.password_cost.parallelism, minimum=1, maximum=8),
        ),
    )
    # Before argon2id the cost was scrypt's; the key is still accepted so older config files load.
    r.int("scrypt_log_n", 15, minimum=4, maximum=20)
    r.done()
    return cfg


def _limits(r: Reader) -> LimitsConfig:
    d = LimitsConfig()
    cfg = LimitsConfig(
        message_max_chars=r.int("message_max_chars", d.message_max_chars, minimum=1),
        display_name_max_chars=r.int("display_name_max_chars", d.display_name_max_chars, minimum=1),
        room_name_max_chars=r.int("room_name_max_chars", d.room_name_max_chars, minimum=2),
        history_max=r.int("history_max", d.history_max, minimum=1),
        sync_max_per_room=r.int("sync_max_per_room", d.sync_max_per_room, minimum=1),
        sync_max_rooms=r.int("sync_max_rooms", d.sync_max_rooms, minimum=1),
        sync_max_messages=r.int("sync_max_messages", d.sync_max_messages, minimum=1),
        client_id_max_chars=r.int("client_id_max_chars", d.client_id_max_chars, minimum=1),
        events_per_second=r.float("events_per_second", d.events_per_second),
        events_burst=r.int("events_burst", d.events_burst, minimum=1),
        login_failures_per_account=r.int("login_failures_per_account", d.login_failures_per_account, minimum=1),
        login_failures_per_ip=r.int("login_failures_per_ip", d.login_failures_per_ip, minimum=1),
        login_window=r.duration("login_window", d.login_window),
        guests_per_ip=r.int("guests_per_ip", d.guests_per_ip, minimum=1),
        guest_window=r.duration("guest_window", d.guest_window),
        help_requests_per_account=r.int("help_requests_per_account", d.help_requests_per_account, minimum=1),
        help_request_window=r.duration("help_request_window", d.help_request_window),
        open_cases_per_requester=r.int("open_cases_per_requester", d.open_cases_per_requester, minimum=1),
        account_messages_per_second=r.float("account_messages_per_second", d.account_messages_per_second),
        account_messages_burst=r.int("account_messages_burst", d.account_messages_burst, minimum=1),
    )
    for name in ("events_per_second", "account_messages_per_second"):
        if getattr(cfg, name) <= 0:
            raise ConfigError(f"config key 'limits.{name}': expected a number above 0")
    r.done()
    return cfg


def _logging(r: Reader) -> LoggingConfig:
    d = LoggingConfig()
    cfg = LoggingConfig(
        format=r.str("format", d.format, choices=("text", "json")),
        level=r.str("level", d.level, choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    )
    r.done()
    return cfg


def config_from_mapping(raw: Any, base_dir: str = ".") -> Config:
    """Build a Config from an already-parsed mapping (tests pass overrides this way)."""
    r = Reader(raw)
    cfg = Config(
        server=_server(r.section("server")),
        database=_database(r.section("database")),
        auth=_auth(r.section("auth")),
        limits=_limits(r.section("limits")),
        logging=_logging(r.section("logging")),
        helpdesk=validate(HelpdeskConfig, r.get("helpdesk"), "helpdesk"),
        roles=validate(RolesConfig, r.get("roles"), "roles"),
        escalation=EscalationConfig.parse(r.section("escalation")),
        retention=validate(RetentionConfig, r.get("retention"), "retention"),
        alerts=AlertsConfig.parse(r.section("alerts")),
        metrics=MetricsConfig.parse(r.section("metrics")),
        base_dir=base_dir,
    )
    r.done()
    return cfg


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
