"""helpdesk: topics, queues and routing, the help desk flow's timings, caps and canned responses.

Every key is documented in config.yaml under `helpdesk:`; unknown keys are refused and every error names
the key, so a typo never falls back silently to a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from server.config_base import Duration, Int, Invalid, Section, Str, Texts, named

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class QueueConfig(Section):
    name: Str
    # Teams whose members serve this queue; empty = every helper and trainee.
    teams: Texts = ()
    # Re-routing (actions/reroute.py): a case unclaimed this long is alerted again to everyone on duty
    # for this queue, after twice as long to the fallback queues' staff, then to the on-duty monitors
    # (one more `reroute_after` each). 0 = never.
    reroute_after: Duration = 300.0
    # Queues whose on-duty staff are alerted at the second step (widening); none = that step is skipped.
    fallback: Texts = ()

    @property
    def reroute_steps(self) -> tuple[str, ...]:
        """The re-route steps in order: "queue", "fallback" (only with fallback queues), "monitors"."""
        if self.reroute_after <= 0:
            return ()
        return ("queue", "fallback", "monitors") if self.fallback else ("queue", "monitors")


@dataclass(frozen=True)
class TopicConfig:
    name: str
    queue: str
    # What the requester sees in the topic picker.
    label: str


class TopicSpec(Section):
    """`topic: queue`, or `topic: {queue: billing, label: "Billing and payments"}`."""

    queue: Str | None = None  # None: the default queue
    label: Str | None = None  # None: the topic's name


def _topic_spec(value: Any) -> Any:
    return {"queue": value} if isinstance(value, str) else value


class WaitConfig(Section):
    # Expected wait = median seconds-per-place of the last `sample_size` claims in the queue x position.
    sample_size: Annotated[Int, Field(ge=1, le=1000)] = 20
    # Seconds per place in the queue when the queue has no claim history yet.
    default_per_place: Duration = 180.0


class SlaConfig(Section):
    # Time to first response (first staff `chat` in the case room) that the desk promises.
    first_response_goal: Duration = 3600.0
    # Waiting this long without a first response already alerts the on-duty monitors.
    first_response_warning: Duration = 600.0

    @model_validator(mode="after")
    def _warning_before_goal(self) -> SlaConfig:
        if not 0 < self.first_response_warning < self.first_response_goal:
            raise Invalid("must be above 0 and shorter than first_response_goal", at=("first_response_warning",))
        return self


class AutoCloseConfig(Section):
    # An on-hold case with no chat for this long is closed (resolved) automatically; 0 = never.
    after: Duration = 3600.0
    # The requester gets a closing notice this long before (must be shorter than `after`).
    notice: Duration = 600.0

    @model_validator(mode="after")
    def _notice_before_close(self) -> AutoCloseConfig:
        if self.after and not self.notice < self.after:
            raise Invalid("must be shorter than auto_close.after", at=("notice",))
        return self


class CannedDefault(Section):
    shortcut: Annotated[Str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)]
    text: Annotated[Str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]

    @field_validator("shortcut")
    @classmethod
    def _shortcut(cls, value: str) -> str:
        if not SHORTCUT.match(value):
            raise Invalid("1-32 characters of a-z, 0-9, '_', '-'")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value or len(value) > 2000:
            raise Invalid("1-2000 characters")
        return value


DEFAULT_CANNED: tuple[CannedDefault, ...] = tuple(CannedDefault(shortcut=k, text=v) for k, v in (
    ("hello", "Hi {requester_name}, I'm {helper_name}. How can I help you today?"),
    ("looking", "Thanks, {requester_name}. We are looking into it and will get back to you shortly."),
    ("moment", "Could you give me a moment while I check that for you?"),
    ("details", "Could you tell me a bit more: what did you do, what did you expect, and what happened instead?"),
    ("escalate", "I'm passing your question to a colleague who knows this area best; they will reply right here."),
    ("solved", "Glad that's sorted, {requester_name}! Is there anything else I can help you with?"),
    ("bye", "Thank you for contacting us, {requester_name}. Have a good day!"),
))


class HelpdeskConfig(Section):
    default_queue: Str = "general"
    # config.yaml: queue name -> {teams}; read as `queues` (a tuple, in file order).
    queue_map: Annotated[dict[str, QueueConfig], BeforeValidator(named)] = Field(
        default_factory=lambda: {"general": QueueConfig(name="general")}, alias="queues")
    # config.yaml: topic name -> queue name or {queue, label}; an unknown topic goes to default_queue.
    topic_specs: dict[str, Annotated[TopicSpec, BeforeValidator(_topic_spec)]] | None = Field(default=None, alias="topics")
    # Open (active or on-hold) cases one helper or trainee may hold at once; monitors are exempt.
    max_open_cases: Annotated[Int, Field(ge=1, le=100)] = 3
    wait: WaitConfig = Field(default_factory=WaitConfig)
    sla: SlaConfig = Field(default_factory=SlaConfig)
    auto_close: AutoCloseConfig = Field(default_factory=AutoCloseConfig)
    # A requester whose last socket left while the case is still queued has this long to come back.
    abandon_after_disconnect: Duration = 120.0
    # How often the background job runs SLA checks, auto-close and abandon; 0 = never (tests call run_once).
    jobs_interval: Duration = 15.0
    # System message written in the case room when nobody who serves the queue is on duty.
    off_hours_message: Str = ("Nobody is on duty right now. Your message is queued and the next person on "
                              "shift will answer it here.")
    # Seeded into the canned responses table on first start (admins manage them afterwards).
    canned: tuple[CannedDefault, ...] = DEFAULT_CANNED

    @model_validator(mode="after")
    def _references(self) -> HelpdeskConfig:
        for q in self.queue_map.values():
            bad = [f for f in q.fallback if f not in self.queue_map or f == q.name]
            if bad:
                raise Invalid(f"{bad[0]!r} is not another queue in helpdesk.queues", at=("queues", q.name, "fallback"))
        if self.default_queue not in self.queue_map:
            raise Invalid(f"queue {self.default_queue!r} is not in helpdesk.queues", at=("default_queue",))
        for topic, queue in self.topics.items():
            if queue not in self.queue_map:
                raise Invalid(f"names unknown queue {queue!r}", at=("topics", topic))
        shortcuts = [c.shortcut for c in self.canned]
        dup = next((i for i, sc in enumerate(shortcuts) if sc in shortcuts[:i]), None)
        if dup is not None:
            raise Invalid(f"{shortcuts[dup]!r} appears twice", at=("canned", dup, "shortcut"))
        if not self.off_hours_message.strip():
            raise Invalid("must not be empty", at=("off_hours_message",))
        return self

    @property
    def queues(self) -> tuple[QueueConfig, ...]:
        return tuple(self.queue_map.values())

    @property
    def topics(self) -> dict[str, str]:
        """topic name -> queue name."""
        if self.topic_specs is None:
            return {"general": self.default_queue}
        return {t: spec.queue or self.default_queue for t, spec in self.topic_specs.items()}

    @property
    def topic_labels(self) -> dict[str, str]:
        return {t: spec.label for t, spec in (self.topic_specs or {}).items() if spec.label is not None}

    def queue_for_topic(self, topic: str) -> str:
        return self.topics.get(topic, self.default_queue)

    def queue(self, name: str) -> QueueConfig | None:
        return self.queue_map.get(name)

    def queue_teams(self, name: str) -> tuple[str, ...]:
        q = self.queue(name)
        return q.teams if q is not None else ()

    def topic_list(self) -> list[TopicConfig]:
        labels = self.topic_labels
        return [TopicConfig(t, q, labels.get(t, t)) for t, q in self.topics.items()]

    @property
    def default_topic(self) -> str:
        """The first topic routed to the default queue (what the widget picks when the user does not)."""
        return next((t for t, q in self.topics.items() if q == self.default_queue), self.default_queue)
