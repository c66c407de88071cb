"""escalation: routes (team, team room, holding reply, priorities with response targets, checklists,
categories, hand-off confirmation), on-call paging, expert teams and personal-escalation patterns.

Routes live in config.yaml, not code: operators add a queue by adding a mapping. Who gets an alert is an
*audience*: a list of entries `team` (the route's own team), `team:NAME`, `role:ROLE`, `on_duty:ROLE`
or `user:USERNAME`; it is resolved against the accounts at the moment the alert is sent.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from server.config_base import Bool, Duration, Invalid, Section, Str, Texts, matching, named, parse_duration

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


def check_audience(items: tuple[str, ...], extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A list of `team`, `case`, `team:NAME`, `role:ROLE`, `on_duty:ROLE`, `user:USERNAME` (`case`: the
    helper, trainee and supervising monitor on the alert's case)."""
    for item in items:
        kind, _, arg = item.partition(":")
        if item in ("team", "case", *extra):
            continue
        if kind not in AUDIENCE_KINDS or not arg.strip():
            raise Invalid(f"{item!r} is not an audience; use team, case, team:NAME, role:ROLE, on_duty:ROLE or "
                          "user:USERNAME")
    return items


Audience = Annotated[Texts, AfterValidator(check_audience)]


def _target(value: Any) -> Any:
    """A duration, `now` (0) or none / never / eventually (no target)."""
    word = value.strip().lower() if isinstance(value, str) else None
    return 0.0 if word == "now" else _no_target(value)


def _no_target(value: Any) -> Any:
    """A duration or none / never / eventually (no target)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _NO_TARGET):
        return None
    return parse_duration(value)


def _checklist(items: tuple[str, ...]) -> tuple[str, ...]:
    items = tuple(i.strip() for i in items)
    if any(not i for i in items):
        raise Invalid("a checklist item cannot be empty")
    return items


Checklist = Annotated[Texts, AfterValidator(_checklist)]


class Priority(Section):
    name: Annotated[Str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]
    # Seconds the team has to respond; None = no target ("eventually").
    target: Annotated[float | None, BeforeValidator(_target)] = None
    # Items to confirm for this priority (on top of the route's own checklist).
    checklist: Checklist = ()
    # Page the on-call accounts at once, on duty or not.
    page: Bool = False
    # Seconds the team has to resolve the case from the hand-off; None = no resolution target.
    resolution_target: Annotated[float | None, BeforeValidator(_no_target)] = None

    @model_validator(mode="after")
    def _resolution_after_response(self) -> Priority:
        res = self.resolution_target
        if res is not None and (res <= 0 or (self.target is not None and res < self.target)):
            raise Invalid("must be above 0 and not shorter than the response target", at=("resolution_target",))
        return self


class Route(Section):
    name: Str
    team: Str
    # The team room; default `#<route name>`.
    room: Annotated[Str, matching(_ROOM_NAME.pattern, "team rooms look like #name (a-z, 0-9, '_', '.', '-')")]
    description: Str = ""
    holding_reply: Str = ("Your question has been passed to a specialist team. Someone from that team will "
                          "reply here.")
    priorities: tuple[Priority, ...]
    checklist: Checklist = ()
    categories: Texts = ()
    confirm_first: Bool = False
    confirm_question: Str = "This question is best answered by another team. May we pass your chat to them?"
    alert: Audience = ("team",)
    # None: the section's on_call.
    on_call: Audience | None = None

    @model_validator(mode="before")
    @classmethod
    def _room(cls, data: Any) -> Any:
        if isinstance(data, dict):
            room = data.get("room", f"#{data.get('name')}")
            data = {**data, "room": room.strip().lower() if isinstance(room, str) else room}
        return data

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, priorities: tuple[Priority, ...]) -> tuple[Priority, ...]:
        names = [p.name for p in priorities]
        if not priorities:
            raise Invalid("a route needs at least one priority")
        if len(set(names)) != len(names) or not all(names):
            raise Invalid("priority names must be unique and not empty")
        return priorities

    @field_validator("holding_reply")
    @classmethod
    def _holding_reply(cls, text: str) -> str:
        if not text.strip():
            raise Invalid("the requester must be told something")
        return text

    def priority(self, name: str) -> Priority | None:
        return next((p for p in self.priorities if p.name == name), None)

    def checklist_for(self, priority: Priority) -> tuple[str, ...]:
        """Items to confirm for one priority: the route's, then the priority's, each once."""
        return tuple(dict.fromkeys(self.checklist + priority.checklist))

    def all_checklist_items(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.checklist + tuple(i for p in self.priorities for i in p.checklist)))


def _routes(value: Any) -> Any:
    """Route names are checked on the key itself (the error names `escalation.routes.<key>`)."""
    for name in value if isinstance(value, dict) else ():
        if not _ROUTE_NAME.match(str(name)):
            raise Invalid("route names are a-z, 0-9, '_', '.', '-'", at=(str(name),))
    return named(value)


class PersonalEscalationConfig(Section):
    enabled: Bool = True
    # Phrases matched against every requester chat message in a case room.
    patterns: Texts = DEFAULT_PATTERNS
    # Who is alerted (audience); default every on-duty monitor and every admin.
    notify: Audience = ("case", "on_duty:monitor", "role:admin")

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        if any(not p.strip() for p in patterns):
            raise Invalid("a pattern cannot be empty")
        return patterns


class ExpertsConfig(Section):
    # Teams case.involve_expert may call on.
    teams: Texts = ()
    # Ready text sent to the experts; {case_id}, {link}, {team}, {by}, {topic} are filled in.
    mention_text: Str = "Could you answer in case #{case_id} ({topic})? {by} asked {team} for help: {link}"


class EscalationConfig(Section):
    # config.yaml: route name -> route; read as `routes` (a tuple, in file order).
    route_map: Annotated[dict[str, Route], BeforeValidator(_routes)] = Field(default_factory=dict, alias="routes")
    on_call: Audience = ("team:on-call",)
    # Seconds between response-target checks; 0 = no loop (something else calls run_once).
    sla_check_interval: Duration = 60.0
    case_link: Str = "/console#case={case_id}"
    # POST every blocker page as JSON here too (a pager gateway); empty = sockets only.
    pager_webhook: Annotated[Str | None, BeforeValidator(lambda v: v or None)] = None
    experts: ExpertsConfig = Field(default_factory=ExpertsConfig)
    personal_escalation: PersonalEscalationConfig = Field(default_factory=PersonalEscalationConfig)

    @field_validator("route_map")
    @classmethod
    def _rooms_unique(cls, routes: dict[str, Route]) -> dict[str, Route]:
        rooms = [x.room for x in routes.values()]
        dup = next((x for x in rooms if rooms.count(x) > 1), None)
        if dup:
            raise Invalid(f"two routes share the team room {dup}")
        return routes

    @field_validator("case_link")
    @classmethod
    def _case_link(cls, link: str) -> str:
        if "{case_id}" not in link:
            raise Invalid("must contain {case_id}")
        return link

    @field_validator("pager_webhook")
    @classmethod
    def _pager_webhook(cls, url: str | None) -> str | None:
        if url and not url.startswith(("http://", "https://")):
            raise Invalid("expected an http(s) URL")
        return url

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self.route_map.values())

    def route(self, name: str) -> Route | None:
        return self.route_map.get(name)

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
