"""alerts: escalation chains per alert kind, outbound channels (SMTP, signed webhooks, Slack-compatible
webhooks, Matrix rooms), the outbox's retry policy and which kinds reach people off-line by default.

A chain lists the steps after the first: the first step is always the recipients the raising code
computes (e.g. escalation.personal_escalation.notify); step N fires `after` seconds from the alert unless
someone acknowledged by then. Everything is checked once at start: an unknown audience or channel fails
with one line naming the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from server.config_reader import ConfigError, Reader
from server.config_sections.escalation import parse_audience

CHANNEL_TYPES = ("webhook", "slack", "matrix", "email")
# Audience items a chain step may name besides the escalation audiences.
_STEP_EXTRA = ("on_call",)


@dataclass(frozen=True)
class ChainStep:
    # Seconds from the alert being raised (cumulative, not from the previous step).
    after: float
    # Audiences (case, role:admin, on_duty:monitor, on_call ...) and channels (channel:NAME).
    to: tuple[str, ...]

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(t.partition(":")[2] for t in self.to if t.startswith("channel:"))

    @property
    def audiences(self) -> tuple[str, ...]:
        return tuple(t for t in self.to if not t.startswith("channel:"))


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    # webhook / slack: the URL posted to; matrix: the homeserver base URL.
    url: str = ""
    # webhook: the HMAC-SHA256 key (X-Livehelp-Signature: sha256=HEX of the body).
    secret: str = ""
    # matrix: the room id (!abc:server) and the access token of the posting account.
    room: str = ""
    access_token: str = ""
    # email: the fixed addresses this channel mails (an on-call mailbox).
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpConfig:
    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    # "starttls" (upgrade after connect), "tls" (implicit TLS, usually port 465) or "none".
    security: str = "none"
    sender: str = "livehelp@localhost"
    timeout: float = 15.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def _default_chains() -> tuple[tuple[str, tuple[ChainStep, ...]], ...]:
    return (
        ("personal_escalation", (ChainStep(300.0, ("role:admin",)), ChainStep(900.0, ("on_call",)))),
        ("sla_breach", (ChainStep(600.0, ("role:admin",)),)),
        ("blocker", (ChainStep(600.0, ("role:admin",)),)),
    )


@dataclass(frozen=True)
class AlertsConfig:
    # How often chain steps and outbound deliveries are checked (0 = never, tests drive them by hand).
    jobs_interval: float = 15.0
    chains: tuple[tuple[str, tuple[ChainStep, ...]], ...] = field(default_factory=_default_chains)
    channels: tuple[Channel, ...] = ()
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    # Outbox: attempts before a delivery is marked failed; the wait doubles from retry_base up to retry_max.
    max_attempts: int = 8
    retry_base: float = 30.0
    retry_max: float = 3600.0
    # Kinds e-mailed to a person who is not connected, until they choose their own (alert preferences).
    offline_kinds: tuple[str, ...] = ("personal_escalation", "sla_breach", "blocker")
    # Base URL used in e-mailed links (e.g. https://help.example.org); empty = relative links.
    public_url: str = ""
    # How long the link in a reply notice to an away requester resumes their case.
    resume_link_ttl: float = 7 * 86400.0

    def chain(self, kind: str) -> tuple[ChainStep, ...]:
        return dict(self.chains).get(kind, ())

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    @classmethod
    def parse(cls, r: Reader) -> AlertsConfig:
        d = cls()
        channels = tuple(_channel(Reader(raw, r.key(f"channels.{i}"))) for i, raw in enumerate(r.list("channels")))
        names = [c.name for c in channels]
        if len(set(names)) != len(names):
            raise ConfigError(f"config key '{r.key('channels')}': channel names must be unique")
        chains = d.chains
        if r.has("chains"):
            raw_chains = r.mapping("chains")
            cr = Reader(raw_chains, r.key("chains"))
            chains = tuple((kind, _chain(cr, kind, set(names))) for kind in raw_chains)
            cr.done()
        smtp = _smtp(r.section("smtp"))
        if any(c.type == "email" for c in channels) and not smtp.enabled:
            raise ConfigError(f"config key '{r.key('smtp.host')}': an email channel needs an SMTP host")
        cfg = cls(
            jobs_interval=r.duration("jobs_interval", d.jobs_interval),
            chains=chains,
            channels=channels,
            smtp=smtp,
            max_attempts=r.int("max_attempts", d.max_attempts, minimum=1, maximum=100),
            retry_base=r.duration("retry_base", d.retry_base),
            retry_max=r.duration("retry_max", d.retry_max),
            offline_kinds=r.str_list("offline_kinds", list(d.offline_kinds)),
            public_url=r.str("public_url", d.public_url).rstrip("/"),
            resume_link_ttl=r.duration("resume_link_ttl", d.resume_link_ttl),
        )
        r.done()
        return cfg


def _chain(r: Reader, kind: str, channels: set[str]) -> tuple[ChainStep, ...]:
    steps: list[ChainStep] = []
    for i, raw in enumerate(r.list(kind)):
        sr = Reader(raw, r.key(f"{kind}.{i}"))
        after = sr.duration("after", None)
        items = sr.str_list("to")
        if not items:
            raise ConfigError(f"config key '{sr.key('to')}': a step names at least one audience or channel")
        plain = [t for t in items if not t.startswith("channel:") and t not in _STEP_EXTRA]
        parse_audience(Reader({"to": plain}, sr.path), "to", ())
        for t in items:
            if t.startswith("channel:") and t.partition(":")[2] not in channels:
                raise ConfigError(f"config key '{sr.key('to')}': no channel named {t.partition(':')[2]!r} in "
                                  "alerts.channels")
        if steps and after <= steps[-1].after:
            raise ConfigError(f"config key '{sr.key('after')}': steps must come later and later (times count "
                              "from the alert)")
        if after <= 0:
            raise ConfigError(f"config key '{sr.key('after')}': the first step is the alert itself; later steps "
                              "need a delay")
        sr.done()
        steps.append(ChainStep(after, tuple(items)))
    return tuple(steps)


def _secret(r: Reader, name: str) -> str:
    """A literal value, or `NAME_env: VAR` to read it from the environment (keeps secrets out of the file)."""
    env = r.opt_str(f"{name}_env")
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise ConfigError(f"config key '{r.key(name + '_env')}': environment variable {env} is not set")
        return value
    return r.str(name, "")


def _channel(r: Reader) -> Channel:
    name = r.str("name")
    kind = r.str("type", choices=CHANNEL_TYPES)
    ch = Channel(name=name, type=kind, url=r.str("url", "").rstrip("/"),
                 secret=_secret(r, "secret"), room=r.str("room", ""), access_token=_secret(r, "access_token"),
                 to=r.str_list("to"))
    needs = {"webhook": ("url", "secret"), "slack": ("url",), "matrix": ("url", "room", "access_token"),
             "email": ("to",)}[kind]
    for key in needs:
        if not getattr(ch, key):
            raise ConfigError(f"config key '{r.key(key)}': a {kind} channel needs {key}")
    r.done()
    return ch


def _smtp(r: Reader) -> SmtpConfig:
    d = SmtpConfig()
    cfg = SmtpConfig(
        host=r.str("host", d.host),
        port=r.int("port", d.port, minimum=1, maximum=65535),
        username=r.str("username", d.username),
        password=_secret(r, "password"),
        security=r.str("security", d.security, choices=("none", "starttls", "tls")),
        sender=r.str("sender", d.sender),
        timeout=r.duration("timeout", d.timeout),
    )
    r.done()
    return cfg
