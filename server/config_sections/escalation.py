"""escalation: routes (team, team room, holding reply, priorities with response targets, checklists,
categories, hand-off confirmation), on-call paging, expert teams and personal-escalation patterns.

Routes live in config.yaml, not code: operators add a queue by adding a mapping. Who gets an alert is an
*audience*: a list of entries `team` (the route's own team), `team:NAME`, `role:ROLE`, `on_duty:ROLE`
or `user:USERNAME`; it is resolved against the accounts at the moment the alert is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.config_reader import ConfigError, Reader, parse_duration

AUDIENCE_KINDS = ("team", "role", "on_duty", "user")
_ROOM_NAME = re.compile(r"^#[a-z0-9][a-z0-9_.-]*$")
_ROUTE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_NO_TARGET = ("none", "never", "eventually")

DEFAULT_PATTERNS = (
    # Quitting (word-bounded, case-insensitive; `*` continues a word, spaces match any whitespace).
    "quit", "quits", "quitting", "i'm out", "give up", "giving up", "gave up", "drop out", "dropping out",
    "dropped out", "leave", "leaving", "stop", "stopping", "unenroll*", "withdraw*", "cancel my enrol*",
    "not cut out for", "done with this", "can't do this", "cannot do this", "waste of time",
    # Distress.
    "hopeless", "worthless", "overwhelmed", "can't cope", "can't take it", "breaking down", "panic*",
    "depressed", "kill myself", "end it all", "hurt myself", "suicid*", "want to die", "hate myself",
)


def parse_audience(r: Reader, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of `team`, `case`, `team:NAME`, `role:ROLE`, `on_duty:ROLE`, `user:USERNAME` (`case`: the
    helper, trainee and supervising monitor on the alert's case)."""
    items = r.str_list(name, list(default)) if r.has(name) else default
    for item in items:
        kind, _, arg = item.partition(":")
        if item in ("team", "case"):
            continue
        if kind not in AUDIENCE_KINDS or not arg.strip():
            raise ConfigError(
                f"config key '{r.key(name)}': {item!r} is not an audience; use team, case, team:NAME, role:ROLE, "
                "on_duty:ROLE or user:USERNAME")
    return tuple(items)


@dataclass(frozen=True)
class Priority:
    name: str
    # Seconds the team has to respond; None = no target ("eventually").
    target: float | None
    # Items to confirm for this priority (on top of the route's own checklist).
    checklist: tuple[str, ...] = ()
    # Page the on-call accounts at once, on duty or not.
    page: bool = False
    # Seconds the team has to resolve the case from the hand-off; None = no resolution target.
    resolution_target: float | None = None


@dataclass(frozen=True)
class Route:
    name: str
    team: str
    room: str
    description: str = ""
    holding_reply: str = ""
    priorities: tuple[Priority, ...] = ()
    checklist: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    confirm_first: bool = False
    confirm_question: str = ""
    alert: tuple[str, ...] = ("team",)
    # None: the section's on_call.
    on_call: tuple[str, ...] | None = None

    def priority(self, name: str) -> Priority | None:
        return next((p for p in self.priorities if p.name == name), None)

    def checklist_for(self, priority: Priority) -> tuple[str, ...]:
        """Items to confirm for one priority: the route's, then the priority's, each once."""
        return tuple(dict.fromkeys(self.checklist + priority.checklist))

    def all_checklist_items(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.checklist + tuple(i for p in self.priorities for i in p.checklist)))


@dataclass(frozen=True)
class PersonalEscalationConfig:
    enabled: bool = True
    # Phrases matched against every requester chat message in a case room.
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    # Who is alerted (audience); default every on-duty monitor and every admin.
    notify: tuple[str, ...] = ("case", "on_duty:monitor", "role:admin")


@dataclass(frozen=True)
class ExpertsConfig:
    # Teams case.involve_expert may call on.
    teams: tuple[str, ...] = ()
    # Ready text sent to the experts; {case_id}, {link}, {team}, {by}, {topic} are filled in.
    mention_text: str = "Could you answer in case #{case_id} ({topic})? {by} asked {team} for help: {link}"


@dataclass(frozen=True)
class EscalationConfig:
    routes: tuple[Route, ...] = ()
    on_call: tuple[str, ...] = ("team:on-call",)
    # Seconds between response-target checks; 0 = no loop (something else calls run_once).
    sla_check_interval: float = 60.0
    case_link: str = "/console#case={case_id}"
    # POST every blocker page as JSON here too (a pager gateway); empty = sockets only.
    pager_webhook: str | None = None
    experts: ExpertsConfig = field(default_factory=ExpertsConfig)
    personal_escalation: PersonalEscalationConfig = field(default_factory=PersonalEscalationConfig)

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)

    def link(self, case_id: int) -> str:
        return self.case_link.format(case_id=case_id)

    def teams_named(self) -> set[str]:
        """Every team this section refers to (checked against roles.teams at start)."""
        names = {r.team for r in self.routes} | set(self.experts.teams)
        audiences = [self.on_call, self.personal_escalation.notify]
        audiences += [r.alert for r in self.routes] + [r.on_call for r in self.routes if r.on_call is not None]
        for aud in audiences:
            names |= {a.partition(":")[2] for a in aud if a.startswith("team:")}
        return names

    @classmethod
    def parse(cls, r: Reader) -> EscalationConfig:
        d = cls()
        routes = tuple(_route(Reader(spec, r.key(f"routes.{name}")), str(name))
                       for name, spec in r.mapping("routes").items())
        rooms = [x.room for x in routes]
        dup = next((x for x in rooms if rooms.count(x) > 1), None)
        if dup:
            raise ConfigError(f"config key '{r.key('routes')}': two routes share the team room {dup}")
        link = r.str("case_link", d.case_link)
        if "{case_id}" not in link:
            raise ConfigError(f"config key '{r.key('case_link')}': must contain {{case_id}}")
        webhook = r.opt_str("pager_webhook") or None
        if webhook and not webhook.startswith(("http://", "https://")):
            raise ConfigError(f"config key '{r.key('pager_webhook')}': expected an http(s) URL")
        er = r.section("experts")
        experts = ExpertsConfig(teams=er.str_list("teams"),
                                mention_text=er.str("mention_text", ExpertsConfig.mention_text))
        er.done()
        pr = r.section("personal_escalation")
        pd = PersonalEscalationConfig()
        personal = PersonalEscalationConfig(
            enabled=pr.bool("enabled", pd.enabled),
            patterns=pr.str_list("patterns", list(pd.patterns)) if pr.has("patterns") else pd.patterns,
            notify=parse_audience(pr, "notify", pd.notify),
        )
        if any(not p.strip() for p in personal.patterns):
            raise ConfigError(f"config key '{pr.key('patterns')}': a pattern cannot be empty")
        pr.done()
        cfg = cls(
            routes=routes,
            on_call=parse_audience(r, "on_call", d.on_call),
            sla_check_interval=r.duration("sla_check_interval", d.sla_check_interval),
            case_link=link,
            pager_webhook=webhook,
            experts=experts,
            personal_escalation=personal,
        )
        r.done()
        return cfg


def _route(r: Reader, name: str) -> Route:
    if not _ROUTE_NAME.match(name):
        raise ConfigError(f"config key '{r.path}': route names are a-z, 0-9, '_', '.', '-'")
    team = r.str("team")
    room = r.str("room", f"#{name}").strip().lower()
    if not _ROOM_NAME.match(room):
        raise ConfigError(f"config key '{r.key('room')}': team rooms look like #name (a-z, 0-9, '_', '.', '-')")
    priorities: list[Priority] = []
    raw_priorities = r.list("priorities")
    if not raw_priorities:
        raise ConfigError(f"config key '{r.key('priorities')}': a route needs at least one priority")
    for i, spec in enumerate(raw_priorities):
        pr = Reader(spec, r.key(f"priorities[{i}]"))
        pname = pr.str("name").strip()
        raw_target = pr.get("target")
        if raw_target is None or (isinstance(raw_target, str) and raw_target.strip().lower() in _NO_TARGET):
            target: float | None = None
        elif isinstance(raw_target, str) and raw_target.strip().lower() == "now":
            target = 0.0
        else:
            target = parse_duration(raw_target, pr.key("target"))
        raw_resolution = pr.get("resolution_target")
        resolution: float | None = None
        if raw_resolution is not None and not (isinstance(raw_resolution, str)
                                               and raw_resolution.strip().lower() in _NO_TARGET):
            resolution = parse_duration(raw_resolution, pr.key("resolution_target"))
            if resolution <= 0 or (target is not None and resolution < target):
                raise ConfigError(f"config key '{pr.key('resolution_target')}': must be above 0 and not shorter "
                                  "than the response target")
        priorities.append(Priority(name=pname, target=target, checklist=_items(pr, "checklist"),
                                   page=pr.bool("page", False), resolution_target=resolution))
        pr.done()
    names = [p.name for p in priorities]
    if len(set(names)) != len(names) or not all(names):
        raise ConfigError(f"config key '{r.key('priorities')}': priority names must be unique and not empty")
    route = Route(
        name=name,
        team=team,
        room=room,
        description=r.str("description", ""),
        holding_reply=r.str("holding_reply", "Your question has been passed to a specialist team. "
                                             "Someone from that team will reply here."),
        priorities=tuple(priorities),
        checklist=_items(r, "checklist"),
        categories=r.str_list("categories"),
        confirm_first=r.bool("confirm_first", False),
        confirm_question=r.str("confirm_question", "This question is best answered by another team. "
                                                   "May we pass your chat to them?"),
        alert=parse_audience(r, "alert", ("team",)),
        on_call=parse_audience(r, "on_call", ()) if r.has("on_call") else None,
    )
    if not route.holding_reply.strip():
        raise ConfigError(f"config key '{r.key('holding_reply')}': the requester must be told something")
    r.done()
    return route


def _items(r: Reader, name: str) -> tuple[str, ...]:
    items = tuple(i.strip() for i in r.str_list(name))
    if any(not i for i in items):
        raise ConfigError(f"config key '{r.key(name)}': a checklist item cannot be empty")
    return items
