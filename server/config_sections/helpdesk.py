"""helpdesk: topics, queues and the help desk flow's timings."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.config_reader import ConfigError, Reader


@dataclass(frozen=True)
class QueueConfig:
    name: str
    # Teams whose members serve this queue; empty = every helper and trainee.
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelpdeskConfig:
    default_queue: str = "general"
    queues: tuple[QueueConfig, ...] = (QueueConfig("general"),)
    # topic name -> queue name; an unknown topic goes to default_queue.
    topics: dict[str, str] = field(default_factory=lambda: {"general": "general"})

    def queue_for_topic(self, topic: str) -> str:
        return self.topics.get(topic, self.default_queue)

    def queue(self, name: str) -> QueueConfig | None:
        return next((q for q in self.queues if q.name == name), None)

    @classmethod
    def parse(cls, r: Reader) -> "HelpdeskConfig":
        d = cls()
        default_queue = r.str("default_queue", d.default_queue)
        queues: list[QueueConfig] = []
        raw_queues = r.mapping("queues") if r.has("queues") else {"general": {}}
        for name, spec in raw_queues.items():
            qr = Reader(spec, r.key(f"queues.{name}"))
            queues.append(QueueConfig(name=str(name), teams=qr.str_list("teams")))
            qr.done()
        names = {q.name for q in queues}
        if default_queue not in names:
            raise ConfigError(f"config key '{r.key('default_queue')}': queue {default_queue!r} is not in helpdesk.queues")
        topics_raw = r.mapping("topics") if r.has("topics") else {"general": default_queue}
        topics: dict[str, str] = {}
        for topic, queue in topics_raw.items():
            if not isinstance(queue, str) or queue not in names:
                raise ConfigError(f"config key '{r.key(f'topics.{topic}')}': names unknown queue {queue!r}")
            topics[str(topic)] = queue
        cfg = cls(default_queue=default_queue, queues=tuple(queues), topics=topics)
        r.done()
        return cfg
