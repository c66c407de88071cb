"""helpdesk: topics, queues and routing, the help desk flow's timings, caps and canned responses.

Every key is documented in config.yaml under `helpdesk:`; unknown keys are refused and every error names
the key, so a typo never falls back silently to a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.config_reader import ConfigError, Reader

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class QueueConfig:
    name: str
    # Teams whose members serve this queue; empty = every helper and trainee.
    teams: tuple[str, ...] = ()
    # Re-routing (actions/reroute.py): a case unclaimed this long is alerted again to everyone on duty
    # for this queue, after twice as long to the fallback queues' staff, then to the on-duty monitors
    # (one more `reroute_after` each). 0 = never.
    reroute_after: float = 300.0
    # Queues whose on-duty staff are alerted at the second step (widening); none = that step is skipped.
    fallback: tuple[str, ...] = ()

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


@dataclass(frozen=True)
class WaitConfig:
    # Expected wait = median seconds-per-place of the last `sample_size` claims in the queue x position.
    sample_size: int = 20
    # Seconds per place in the queue when the queue has no claim history yet.
    default_per_place: float = 180.0


@dataclass(frozen=True)
class SlaConfig:
    # Time to first response (first staff `chat` in the case room) that the desk promises.
    first_response_goal: float = 3600.0
    # Waiting this long without a first response already alerts the on-duty monitors.
    first_response_warning: float = 600.0


@dataclass(frozen=True)
class AutoCloseConfig:
    # An on-hold case with no chat for this long is closed (resolved) automatically; 0 = never.
    after: float = 3600.0
    # The requester gets a closing notice this long before (must be shorter than `after`).
    notice: float = 600.0


@dataclass(frozen=True)
class CannedDefault:
    shortcut: str
    text: str


DEFAULT_CANNED: tuple[CannedDefault, ...] = (
    CannedDefault("hello", "Hi {requester_name}, I'm {helper_name}. How can I help you today?"),
    CannedDefault("looking", "Thanks, {requester_name}. We are looking into it and will get back to you shortly."),
    CannedDefault("moment", "Could you give me a moment while I check that for you?"),
    CannedDefault("details", "Could you tell me a bit more: what did you do, what did you expect, and what happened instead?"),
    CannedDefault("escalate", "I'm passing your question to a colleague who knows this area best; they will reply right here."),
    CannedDefault("solved", "Glad that's sorted, {requester_name}! Is there anything else I can help you with?"),
    CannedDefault("bye", "Thank you for contacting us, {requester_name}. Have a good day!"),
)


@dataclass(frozen=True)
class HelpdeskConfig:
    default_queue: str = "general"
    queues: tuple[QueueConfig, ...] = (QueueConfig("general"),)
    # topic name -> queue name; an unknown topic goes to default_queue.
    topics: dict[str, str] = field(default_factory=lambda: {"general": "general"})
    topic_labels: dict[str, str] = field(default_factory=dict)
    # Open (active or on-hold) cases one helper or trainee may hold at once; monitors are exempt.
    max_open_cases: int = 3
    wait: WaitConfig = field(default_factory=WaitConfig)
    sla: SlaConfig = field(default_factory=SlaConfig)
    auto_close: AutoCloseConfig = field(default_factory=AutoCloseConfig)
    # A requester whose last socket left while the case is still queued has this long to come back.
    abandon_after_disconnect: float = 120.0
    # How often the background job runs SLA checks, auto-close and abandon; 0 = never (tests call run_once).
    jobs_interval: float = 15.0
    # System message written in the case room when nobody who serves the queue is on duty.
    off_hours_message: str = ("Nobody is on duty right now. Your message is queued and the next person on "
                              "shift will answer it here.")
    # Seeded into the canned responses table on first start (admins manage them afterwards).
    canned: tuple[CannedDefault, ...] = DEFAULT_CANNED

    def queue_for_topic(self, topic: str) -> str:
        return self.topics.get(topic, self.default_queue)

    def queue(self, name: str) -> QueueConfig | None:
        return next((q for q in self.queues if q.name == name), None)

    def queue_teams(self, name: str) -> tuple[str, ...]:
        q = self.queue(name)
        return q.teams if q is not None else ()

    def topic_list(self) -> list[TopicConfig]:
        return [TopicConfig(t, q, self.topic_labels.get(t, t)) for t, q in self.topics.items()]

    @property
    def default_topic(self) -> str:
        """The first topic routed to the default queue (what the widget picks when the user does not)."""
        return next((t for t, q in self.topics.items() if q == self.default_queue), self.default_queue)

    @classmethod
    def parse(cls, r: Reader) -> HelpdeskConfig:
        d = cls()
        default_queue = r.str("default_queue", d.default_queue)
        queues: list[QueueConfig] = []
        raw_queues = r.mapping("queues") if r.has("queues") else {"general": {}}
        for name, spec in raw_queues.items():
            qr = Reader(spec, r.key(f"queues.{name}"))
            queues.append(QueueConfig(name=str(name), teams=qr.str_list("teams"),
                                      reroute_after=qr.duration("reroute_after", QueueConfig.reroute_after),
                                      fallback=qr.str_list("fallback")))
            qr.done()
        names = {q.name for q in queues}
        for q in queues:
            bad = [f for f in q.fallback if f not in names or f == q.name]
            if bad:
                raise ConfigError(f"config key '{r.key(f'queues.{q.name}.fallback')}': {bad[0]!r} is not another "
                                  "queue in helpdesk.queues")
        if default_queue not in names:
            raise ConfigError(f"config key '{r.key('default_queue')}': queue {default_queue!r} is not in helpdesk.queues")
        topics_raw = r.mapping("topics") if r.has("topics") else {"general": default_queue}
        topics: dict[str, str] = {}
        labels: dict[str, str] = {}
        for topic, spec in topics_raw.items():
            key = r.key(f"topics.{topic}")
            if isinstance(spec, dict):  # {queue: billing, label: "Billing and payments"}
                tr = Reader(spec, key)
                queue = tr.str("queue", default_queue)
                label = tr.str("label", str(topic))
                tr.done()
                labels[str(topic)] = label
            else:
                queue = spec
            if not isinstance(queue, str) or queue not in names:
                raise ConfigError(f"config key '{key}': names unknown queue {queue!r}")
            topics[str(topic)] = queue

        wr = r.section("wait")
        wait = WaitConfig(sample_size=wr.int("sample_size", d.wait.sample_size, minimum=1, maximum=1000),
                          default_per_place=wr.duration("default_per_place", d.wait.default_per_place))
        wr.done()

        sr = r.section("sla")
        sla = SlaConfig(first_response_goal=sr.duration("first_response_goal", d.sla.first_response_goal),
                        first_response_warning=sr.duration("first_response_warning", d.sla.first_response_warning))
        if not 0 < sla.first_response_warning < sla.first_response_goal:
            raise ConfigError(f"config key '{sr.key('first_response_warning')}': must be above 0 and shorter "
                              "than first_response_goal")
        sr.done()

        ar = r.section("auto_close")
        auto_close = AutoCloseConfig(after=ar.duration("after", d.auto_close.after),
                                     notice=ar.duration("notice", d.auto_close.notice))
        if auto_close.after and not auto_close.notice < auto_close.after:
            raise ConfigError(f"config key '{ar.key('notice')}': must be shorter than auto_close.after")
        ar.done()

        canned = d.canned
        if r.has("canned"):
            items: list[CannedDefault] = []
            seen: set[str] = set()
            for i, spec in enumerate(r.list("canned")):
                cr = Reader(spec, r.key(f"canned[{i}]"))
                shortcut = cr.str("shortcut").strip().lower()
                text = cr.str("text").strip()
                cr.done()
                if not SHORTCUT.match(shortcut):
                    raise ConfigError(f"config key '{cr.key('shortcut')}': 1-32 characters of a-z, 0-9, '_', '-'")
                if shortcut in seen:
                    raise ConfigError(f"config key '{cr.key('shortcut')}': {shortcut!r} appears twice")
                if not text or len(text) > 2000:
                    raise ConfigError(f"config key '{cr.key('text')}': 1-2000 characters")
                seen.add(shortcut)
                items.append(CannedDefault(shortcut, text))
            canned = tuple(items)

        cfg = cls(
            default_queue=default_queue, queues=tuple(queues), topics=topics, topic_labels=labels,
            max_open_cases=r.int("max_open_cases", d.max_open_cases, minimum=1, maximum=100),
            wait=wait, sla=sla, auto_close=auto_close,
            abandon_after_disconnect=r.duration("abandon_after_disconnect", d.abandon_after_disconnect),
            jobs_interval=r.duration("jobs_interval", d.jobs_interval),
            off_hours_message=r.str("off_hours_message", d.off_hours_message),
            canned=canned,
        )
        if not cfg.off_hours_message.strip():
            raise ConfigError(f"config key '{r.key('off_hours_message')}': must not be empty")
        r.done()
        return cfg
