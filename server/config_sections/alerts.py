"""alerts: escalation chains per alert kind, outbound channels (SMTP, signed webhooks, Slack-compatible
webhooks, Matrix rooms), the outbox's retry policy and which kinds reach people off-line by default.

A chain lists the steps after the first: the first step is always the recipients the raising code
computes (e.g. escalation.personal_escalation.notify); step N fires `after` seconds from the alert unless
someone acknowledged by then. Everything is checked once at start: an unknown audience or channel fails
with one line naming the key.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from server.config_base import Duration, Int, Invalid, Section, Str, Texts
from server.config_sections.escalation import check_audience

# Audience items a chain step may name besides the escalation audiences.
_STEP_EXTRA = ("on_call",)


class ChainStep(Section):
    # Seconds from the alert being raised (cumulative, not from the previous step).
    after: Duration
    # Audiences (case, role:admin, on_duty:monitor, on_call ...) and channels (channel:NAME).
    to: Texts

    @field_validator("to")
    @classmethod
    def _to(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        if not items:
            raise Invalid("a step names at least one audience or channel")
        check_audience(tuple(t for t in items if not t.startswith("channel:")), _STEP_EXTRA)
        return items

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(t.partition(":")[2] for t in self.to if t.startswith("channel:"))

    @property
    def audiences(self) -> tuple[str, ...]:
        return tuple(t for t in self.to if not t.startswith("channel:"))


def _secret(data: Any, name: str) -> Any:
    """A literal value, or `NAME_env: VAR` to read it from the environment (keeps secrets out of the file)."""
    if not isinstance(data, dict) or f"{name}_env" not in data:
        return data
    data = dict(data)
    env = data.pop(f"{name}_env")
    if env is not None and not isinstance(env, str):
        raise Invalid(f"expected text, got {env!r}", at=(f"{name}_env",))
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise Invalid(f"environment variable {env} is not set", at=(f"{name}_env",))
        data[name] = value
    return data


def _no_trailing_slash(value: Any) -> Any:
    return value.rstrip("/") if isinstance(value, str) else value


class Channel(Section):
    name: Str
    type: Literal["webhook", "slack", "matrix", "email"]
    # webhook / slack: the URL posted to; matrix: the homeserver base URL.
    url: Annotated[Str, BeforeValidator(_no_trailing_slash)] = ""
    # webhook: the HMAC-SHA256 key (X-Livehelp-Signature: sha256=HEX of the body).
    secret: Str = ""
    # matrix: the room id (!abc:server) and the access token of the posting account.
    room: Str = ""
    access_token: Str = ""
    # email: the fixed addresses this channel mails (an on-call mailbox).
    to: Texts = ()

    @model_validator(mode="before")
    @classmethod
    def _secrets(cls, data: Any) -> Any:
        return _secret(_secret(data, "secret"), "access_token")

    @model_validator(mode="after")
    def _needs(self) -> Channel:
        needs = {"webhook": ("url", "secret"), "slack": ("url",), "matrix": ("url", "room", "access_token"),
                 "email": ("to",)}[self.type]
        for key in needs:
            if not getattr(self, key):
                raise Invalid(f"a {self.type} channel needs {key}", at=(key,))
        return self


class SmtpConfig(Section):
    host: Str = ""
    port: Annotated[Int, Field(ge=1, le=65535)] = 25
    username: Str = ""
    password: Str = ""
    # "starttls" (upgrade after connect), "tls" (implicit TLS, usually port 465) or "none".
    security: Literal["none", "starttls", "tls"] = "none"
    sender: Str = "livehelp@localhost"
    timeout: Duration = 15.0

    @model_validator(mode="before")
    @classmethod
    def _secrets(cls, data: Any) -> Any:
        return _secret(data, "password")

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def _step(after: float, *to: str) -> ChainStep:
    return ChainStep(after=after, to=to)


def _default_chains() -> dict[str, tuple[ChainStep, ...]]:
    return {
        "personal_escalation": (_step(300.0, "role:admin"), _step(900.0, "on_call")),
        "sla_breach": (_step(600.0, "role:admin"),),
        "blocker": (_step(600.0, "role:admin"),),
    }


class AlertsConfig(Section):
    # How often chain steps and outbound deliveries are checked (0 = never, tests drive them by hand).
    jobs_interval: Duration = 15.0
    # Alert kind -> the steps after the first.
    chains: dict[str, tuple[ChainStep, ...]] = Field(default_factory=_default_chains)
    channels: tuple[Channel, ...] = ()
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    # Outbox: attempts before a delivery is marked failed; the wait doubles from retry_base up to retry_max.
    max_attempts: Annotated[Int, Field(ge=1, le=100)] = 8
    retry_base: Duration = 30.0
    retry_max: Duration = 3600.0
    # Kinds e-mailed to a person who is not connected, until they choose their own (alert preferences).
    offline_kinds: Texts = ("personal_escalation", "sla_breach", "blocker")
    # Base URL used in e-mailed links (e.g. https://help.example.org); empty = relative links.
    public_url: Annotated[Str, BeforeValidator(_no_trailing_slash)] = ""
    # How long the link in a reply notice to an away requester resumes their case.
    resume_link_ttl: Duration = 7 * 86400.0

    @field_validator("chains")
    @classmethod
    def _steps_in_order(cls, chains: dict[str, tuple[ChainStep, ...]]) -> dict[str, tuple[ChainStep, ...]]:
        for kind, steps in chains.items():
            for i, step in enumerate(steps):
                if step.after <= 0:
                    raise Invalid("the first step is the alert itself; later steps need a delay", at=(kind, i, "after"))
                if i and step.after <= steps[i - 1].after:
                    raise Invalid("steps must come later and later (times count from the alert)",
                                  at=(kind, i, "after"))
        return chains

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, channels: tuple[Channel, ...]) -> tuple[Channel, ...]:
        names = [c.name for c in channels]
        if len(set(names)) != len(names):
            raise Invalid("channel names must be unique")
        return channels

    @model_validator(mode="after")
    def _known_channels(self) -> AlertsConfig:
        if any(c.type == "email" for c in self.channels) and not self.smtp.enabled:
            raise Invalid("an email channel needs an SMTP host", at=("smtp", "host"))
        for kind, steps in self.chains.items():
            for i, step in enumerate(steps):
                unknown = next((c for c in step.channels if self.channel(c) is None), None)
                if unknown is not None:
                    raise Invalid(f"no channel named {unknown!r} in alerts.channels", at=("chains", kind, i, "to"))
        return self

    def chain(self, kind: str) -> tuple[ChainStep, ...]:
        return self.chains.get(kind, ())

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)
