"""The permission matrix: every event x role x relevant case state, computed from roles/policy.py.

    python -m roles.matrix > docs/roles-matrix.md

One table source serves two checks (tests/roles/test_matrix.py): the committed docs/roles-matrix.md must
equal what this prints (so the doc never drifts from the policy), and a real server must answer every cell
the same way (so no entry point decides on its own). Each case state comes with the recipe that reaches it
on a real server; each cell's expected answer is the policy's Decision, followed by the case life-cycle
check where the action has one (hold, resume, resolve), in the order the actions apply them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from roles import policy
from roles.facts import Actor, CaseFacts, RoomFacts, VouchFacts
from server import lifecycle

OK, FORBIDDEN, CONFLICT, ABSENT = "ok", "forbidden", "conflict", "—"


# --- who -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    roles: frozenset[str]
    id: int


def _p(key: str, label: str, roles: tuple[str, ...], pid: int) -> Persona:
    return Persona(key, label, frozenset(roles), pid)


# People relative to one case. Everyone staff is on duty and connected unless the state says otherwise.
CASE_PERSONAS: tuple[Persona, ...] = (
    _p("requester", "requester (own case)", (), 1),
    _p("trainee", "trainee", ("trainee",), 2),
    _p("trainee_shadow", "trainee (shadow)", ("trainee",), 3),
    _p("trainee_case", "trainee (the case's)", ("trainee",), 4),
    _p("helper", "helper", ("helper",), 5),
    _p("helper_shadow", "helper (shadow)", ("helper",), 6),
    _p("helper_case", "helper (the case's)", ("helper",), 7),
    _p("monitor", "monitor", ("monitor",), 8),
    _p("monitor_case", "monitor (the case's)", ("monitor",), 9),
    _p("admin", "admin", ("admin",), 10),
)
PERSONA = {p.key: p for p in CASE_PERSONAS}

# People with no case involved.
ROLE_PERSONAS: tuple[Persona, ...] = (
    _p("requester", "requester", (), 1),
    _p("trainee", "trainee", ("trainee",), 2),
    _p("helper", "helper", ("helper",), 5),
    _p("monitor", "monitor", ("monitor",), 8),
    _p("admin", "admin", ("admin",), 10),
)


# --- case states -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    key: str
    title: str
    # Steps that reach the state on a real server, after the requester's help.request: (event, persona).
    recipe: tuple[tuple[str, str], ...]
    status: str
    helper: str | None = None
    trainee: str | None = None
    monitor: str | None = None
    # persona -> room membership role (requester is always "requester").
    members: dict[str, str] = field(default_factory=dict)
    # Personas that do not exist in this state (their column shows "—").
    absent: frozenset[str] = frozenset()
    monitors_on_duty: bool = True
    # The trainee a monitor took the case from (case.handback target).
    taken_from: str | None = None
    # Personas recorded as having been the case's trainee (vouching).
    took_case: frozenset[str] = frozenset()

    def case(self) -> CaseFacts:
        pid = lambda k: PERSONA[k].id if k else None  # noqa: E731
        return CaseFacts(id=1, status=self.status, requester_id=PERSONA["requester"].id, helper_id=pid(self.helper),
                         trainee_id=pid(self.trainee), monitor_id=pid(self.monitor))

    def membership(self, persona: str) -> str | None:
        return "requester" if persona == "requester" else self.members.get(persona)

    def actor(self, persona: str) -> Actor:
        p = PERSONA[persona]
        on_duty = p.key != "requester" and (self.monitors_on_duty or "monitor" not in p.roles)
        return Actor(id=p.id, roles=p.roles, is_guest=p.key == "requester", on_duty=on_duty, connected=True)

    def worked_case(self, persona: str) -> bool:
        """Mirrors storage.participation.worked_case: helper/monitor of the case, a recorded capacity, or a
        staff/monitor/shadow membership."""
        c = self.case()
        if PERSONA[persona].id in (c.helper_id, c.monitor_id) or persona in self.took_case:
            return True
        return self.members.get(persona) in ("staff", "monitor", "shadow")


_SHADOWS = (("case.shadow", "trainee_shadow"), ("case.shadow", "helper_shadow"))
_MEMBERS = {"trainee_shadow": "shadow", "helper_shadow": "shadow"}
_TRAINEE = dict(_MEMBERS, trainee_case="staff", monitor_case="monitor")

STATES: tuple[State, ...] = (
    State("queued", "queued, supervised by a monitor, two shadows",
          (("case.supervise", "monitor_case"), *_SHADOWS), "queued", monitor="monitor_case",
          members=dict(_MEMBERS, monitor_case="monitor"), absent=frozenset({"trainee_case", "helper_case"})),
    State("queued_no_monitor", "queued, no monitor on duty (monitors connected but off duty), two shadows",
          _SHADOWS, "queued", members=dict(_MEMBERS), monitors_on_duty=False,
          absent=frozenset({"trainee_case", "helper_case", "monitor_case"})),
    State("active_helper", "active, claimed by a helper, supervised by a monitor, two shadows",
          (("case.supervise", "monitor_case"), *_SHADOWS, ("case.claim", "helper_case")), "active",
          helper="helper_case", monitor="monitor_case", members=dict(_MEMBERS, helper_case="staff", monitor_case="monitor"),
          absent=frozenset({"trainee_case"})),
    State("active_trainee", "active, claimed by a trainee under the monitor's supervision, two shadows",
          (("case.supervise", "monitor_case"), *_SHADOWS, ("case.claim", "trainee_case")), "active",
          trainee="trainee_case", monitor="monitor_case", members=_TRAINEE, absent=frozenset({"helper_case"}),
          took_case=frozenset({"trainee_case"})),
    State("on_hold_trainee", "on hold, the trainee's case (supervised)",
          (("case.supervise", "monitor_case"), *_SHADOWS, ("case.claim", "trainee_case"), ("case.hold", "trainee_case")),
          "on_hold", trainee="trainee_case", monitor="monitor_case", members=_TRAINEE,
          absent=frozenset({"helper_case"}), took_case=frozenset({"trainee_case"})),
    State("taken_over", "active, the monitor took it over from the trainee (now a shadow)",
          (("case.supervise", "monitor_case"), *_SHADOWS, ("case.claim", "trainee_case"),
           ("case.takeover", "monitor_case")), "active", helper="monitor_case", monitor="monitor_case",
          members=dict(_MEMBERS, trainee_case="shadow", monitor_case="staff"), absent=frozenset({"helper_case"}),
          taken_from="trainee_case", took_case=frozenset({"trainee_case"})),
    State("resolved_trainee", "resolved by the trainee under supervision",
          (("case.supervise", "monitor_case"), *_SHADOWS, ("case.claim", "trainee_case"),
           ("case.resolve", "trainee_case")), "resolved", trainee="trainee_case", monitor="monitor_case",
          members=_TRAINEE, absent=frozenset({"helper_case"}), took_case=frozenset({"trainee_case"})),
)
STATE = {s.key: s for s in STATES}


# --- events ----------------------------------------------------------------------------------------

Rule = Callable[[State, str], policy.Decision]


def _transition(action: str, check: Callable[[Actor, CaseFacts], policy.Decision]) -> Rule:
    """Policy first, then the life cycle (actions/cases._simple_transition applies them in this order)."""
    def rule(st: State, persona: str) -> policy.Decision:
        decision = check(st.actor(persona), st.case())
        if decision and not lifecycle.allowed(action, st.status):
            target = lifecycle.target(action).replace("_", " ")
            return policy.conflict(f"a case that is {st.status} cannot be {target}")
        return decision
    return rule


def _then(check: Callable[[Actor, CaseFacts], policy.Decision], statuses: frozenset[str],
          why: Callable[[str], str]) -> Rule:
    """Policy first, then the action's own state check (transfer, involve an expert)."""
    def rule(st: State, persona: str) -> policy.Decision:
        decision = check(st.actor(persona), st.case())
        return policy.conflict(why(st.status)) if decision and st.status not in statuses else decision
    return rule


def _mark_sensitive(st: State, persona: str) -> policy.Decision:
    """message.mark_sensitive on the requester's first message: a message the caller cannot read is
    not_found (actions/sensitive.mark_sensitive), then the policy."""
    actor, room = st.actor(persona), _room(st, persona)
    if not policy.can_read_room(actor, room) or policy.message_view(
            actor, room.membership, room.case, "chat", False) == "hidden":
        return policy.Decision(False, "no such message", "not_found")
    return policy.can_mark_sensitive(actor, st.case())


def _room(st: State, persona: str) -> RoomFacts:
    return RoomFacts(id=1, kind="case", membership=st.membership(persona), case=st.case())


def _send(kind: str) -> Rule:
    return lambda st, p: policy.can_send_message(st.actor(p), _room(st, p), kind)


def _vouch(st: State, persona: str) -> policy.Decision:
    trainee = replace(st.actor("trainee_case"))
    facts = VouchFacts(trainee=trainee, trainee_took_case="trainee_case" in st.took_case,
                       voucher_worked_case=st.worked_case(persona), already_vouched=False)
    return policy.can_vouch(st.actor(persona), st.case(), facts)


@dataclass(frozen=True)
class CaseEvent:
    name: str           # how it is listed
    event: str          # the socket event
    rule: Rule
    states: tuple[str, ...]
    # Successful calls change the case (the real-server test then builds a fresh one).
    mutates: bool = True
    kind: str | None = None  # message.send only


CASE_EVENTS: tuple[CaseEvent, ...] = (
    CaseEvent("case.claim", "case.claim",
              lambda st, p: policy.can_claim_case(st.actor(p), st.case(), monitor_available=st.monitors_on_duty),
              ("queued", "queued_no_monitor", "active_helper", "active_trainee")),
    CaseEvent("case.shadow", "case.shadow", lambda st, p: policy.can_shadow_case(st.actor(p), st.case()),
              ("queued", "queued_no_monitor", "active_helper", "active_trainee", "resolved_trainee")),
    CaseEvent("case.unshadow", "case.unshadow", lambda st, p: policy.can_unshadow_case(st.actor(p), st.membership(p)),
              ("queued", "active_trainee", "resolved_trainee")),
    CaseEvent("case.supervise", "case.supervise", lambda st, p: policy.can_supervise_case(st.actor(p), st.case()),
              ("queued", "queued_no_monitor", "active_helper", "active_trainee", "resolved_trainee")),
    CaseEvent("case.takeover", "case.takeover", lambda st, p: policy.can_take_over_case(st.actor(p), st.case()),
              ("queued", "active_helper", "active_trainee", "on_hold_trainee", "resolved_trainee")),
    CaseEvent("case.handback", "case.handback",
              lambda st, p: policy.can_hand_back_case(st.actor(p), st.case(),
                                                      PERSONA[st.taken_from].id if st.taken_from else None),
              ("active_trainee", "taken_over", "resolved_trainee")),
    CaseEvent("case.hold", "case.hold", _transition("hold", policy.can_manage_case),
              ("queued", "active_helper", "active_trainee", "on_hold_trainee")),
    CaseEvent("case.resume", "case.resume", _transition("resume", policy.can_manage_case),
              ("active_trainee", "on_hold_trainee")),
    CaseEvent("case.resolve", "case.resolve", _transition("resolve", policy.can_resolve_case),
              ("queued", "active_helper", "active_trainee", "on_hold_trainee", "resolved_trainee")),
    CaseEvent("case.vouch (for the case's trainee)", "case.vouch", _vouch,
              ("active_trainee", "taken_over", "resolved_trainee")),
    CaseEvent("message.send chat", "message.send", _send("chat"),
              ("queued", "active_helper", "active_trainee", "on_hold_trainee", "taken_over", "resolved_trainee"),
              mutates=False, kind="chat"),
    CaseEvent("message.send whisper", "message.send", _send("whisper"),
              ("queued", "active_trainee", "resolved_trainee"), mutates=False, kind="whisper"),
    CaseEvent("message.send note", "message.send", _send("note"), ("active_trainee",), mutates=False, kind="note"),
    CaseEvent("room.history", "room.history", lambda st, p: policy.can_read_room(st.actor(p), _room(st, p)),
              ("active_trainee", "resolved_trainee"), mutates=False),
    CaseEvent("room.join (the case room)", "room.join", lambda st, p: policy.can_join_room(st.actor(p), _room(st, p)),
              ("active_trainee",)),
    CaseEvent("room.leave (the case room)", "room.leave",
              lambda st, p: policy.can_leave_room(st.actor(p), _room(st, p)), ("active_trainee",)),
    CaseEvent("case.get", "case.get", lambda st, p: policy.can_view_case(st.actor(p), st.case()),
              ("active_trainee",), mutates=False),
    CaseEvent("queue.position", "queue.position",
              lambda st, p: policy.can_see_queue_position(st.actor(p), st.case()), ("queued", "active_trainee"),
              mutates=False),
    CaseEvent("case.abandon", "case.abandon", _transition("abandon", policy.can_abandon_case),
              ("queued", "active_helper")),
    CaseEvent("case.escalate (route social)", "case.escalate", _transition("escalate", policy.can_escalate_case),
              ("queued", "active_helper", "active_trainee", "on_hold_trainee", "resolved_trainee")),
    CaseEvent("case.transfer (to a queue)", "case.transfer",
              _then(policy.can_escalate_case, frozenset({"active", "on_hold"}),
                    lambda status: f"a case that is {status} cannot be transferred"),
              ("queued", "active_helper", "active_trainee", "resolved_trainee")),
    CaseEvent("case.involve_expert", "case.involve_expert",
              _then(policy.can_escalate_case, lifecycle.OPEN, lambda status: "this case is closed"),
              ("active_helper", "active_trainee", "resolved_trainee"), mutates=False),
    CaseEvent("case.flag", "case.flag",
              lambda st, p: policy.can_flag_case(st.actor(p), st.case(), st.membership(p)),
              ("active_trainee", "resolved_trainee"), mutates=False),
    CaseEvent("message.mark_sensitive (the requester's first message)", "message.mark_sensitive", _mark_sensitive,
              ("active_helper", "active_trainee", "resolved_trainee"), mutates=False),
)


@dataclass(frozen=True)
class RoleEvent:
    name: str
    rule: Callable[[Actor], policy.Decision]
    # Socket event, or ("GET"|"POST", path) for REST (the path's {id} is a trainee created for the call).
    event: str | None = None
    rest: tuple[str, str] | None = None
    body: dict[str, object] | None = None


def _promote_forced(actor: Actor) -> policy.Decision:
    target = Actor(id=99, roles=frozenset({"trainee"}))
    return policy.can_promote(actor, target, "someone", "helper", policy.Progress(), 1, 1, force=True)


def _grant(actor: Actor) -> policy.Decision:
    decision = policy.can_administer(actor)
    return decision if not decision else policy.can_change_roles(actor, admins_left_after=1)


ROLE_EVENTS: tuple[RoleEvent, ...] = (
    RoleEvent("help.request", policy.can_request_help, event="help.request"),
    RoleEvent("queue.list", policy.can_list_queue, event="queue.list"),
    RoleEvent("room.create", policy.can_create_room, event="room.create"),
    RoleEvent("duty.set", policy.can_go_on_duty, event="duty.set"),
    RoleEvent("monitor.overview", policy.can_view_overview, event="monitor.overview"),
    RoleEvent("room.list", lambda actor: policy.ALLOW, event="room.list"),
    RoleEvent("escalation.routes", policy.can_list_routes, event="escalation.routes"),
    RoleEvent("canned.list", policy.can_use_canned, event="canned.list"),
    RoleEvent("GET /api/retention/audit", policy.can_read_retention_audit, rest=("GET", "/api/retention/audit")),
    RoleEvent("GET /api/admin/reports/escalations", policy.can_view_escalation_reports,
              rest=("GET", "/api/admin/reports/escalations")),
    RoleEvent("GET /api/reports/cycle", policy.can_view_cycle_report, rest=("GET", "/api/reports/cycle")),
    RoleEvent("GET /api/admin/shifts", policy.can_manage_helpdesk, rest=("GET", "/api/admin/shifts")),
    RoleEvent("GET /api/admin/canned", policy.can_manage_helpdesk, rest=("GET", "/api/admin/canned")),
    RoleEvent("GET /api/admin/accounts", policy.can_administer, rest=("GET", "/api/admin/accounts")),
    RoleEvent("GET /api/admin/trainees", policy.can_administer, rest=("GET", "/api/admin/trainees")),
    RoleEvent("GET /api/admin/audit", policy.can_administer, rest=("GET", "/api/admin/audit")),
    RoleEvent("POST /api/admin/accounts/{id}/roles (grant)", _grant,
              rest=("POST", "/api/admin/accounts/{id}/roles"), body={"grant": ["user"], "reason": "matrix"}),
    RoleEvent("POST /api/admin/accounts/{id}/promote (forced)", _promote_forced,
              rest=("POST", "/api/admin/accounts/{id}/promote"), body={"to": "helper", "force": True}),
)


# --- answers ---------------------------------------------------------------------------------------


def answer(decision: policy.Decision) -> str:
    return OK if decision else decision.code


def expected(event: CaseEvent, state: State, persona: str) -> str:
    if persona in state.absent:
        return ABSENT
    return answer(event.rule(state, persona))


def reason(event: CaseEvent, state: State, persona: str) -> str:
    return "" if persona in state.absent else event.rule(state, persona).reason


def role_expected(event: RoleEvent, persona: Persona) -> str:
    return answer(event.rule(Actor(id=persona.id, roles=persona.roles, is_guest=persona.key == "requester",
                                   on_duty=persona.key != "requester")))


# --- the document ----------------------------------------------------------------------------------


def render() -> str:
    out = [
        "# Roles matrix",
        "",
        "Generated from `roles/policy.py` by `python -m roles.matrix > docs/roles-matrix.md`: do not edit by",
        "hand. `tests/roles/test_matrix.py` fails when this file differs from what the policy generates, and",
        "plays every cell against a real server. The rules behind it are explained in `docs/roles.md`.",
        "",
        f"Cells: `{OK}` allowed; `{FORBIDDEN}` or `{CONFLICT}` refused with that error code (conflict: the case",
        f"is not in a state where this makes sense); `{ABSENT}` nobody in that position in that state.",
        "Everyone is connected; staff are on duty unless the state says otherwise.",
        "",
        "## Without a case",
        "",
        "| event | " + " | ".join(p.label for p in ROLE_PERSONAS) + " |",
        "|---|" + "---|" * len(ROLE_PERSONAS),
    ]
    for ev in ROLE_EVENTS:
        out.append(f"| `{ev.name}` | " + " | ".join(role_expected(ev, p) for p in ROLE_PERSONAS) + " |")
    out += [
        "",
        "`POST /api/signup` does not depend on a role: allowed when `auth.self_signup` is true (the new account",
        "is a trainee), `forbidden` otherwise.",
        "",
        "## On a case",
        "",
        "People, relative to the case:",
        "",
    ]
    for p in CASE_PERSONAS:
        roles = ", ".join(sorted(p.roles)) or "none (a guest)"
        out.append(f"- **{p.label}**: roles {roles}.")
    out += ["", "States, and how a real server reaches them (after the requester's `help.request`):", ""]
    for st in STATES:
        steps = ", ".join(f"`{e}` by {PERSONA[who].label}" for e, who in st.recipe) or "nothing more"
        out.append(f"- **{st.key}**: {st.title}. Steps: {steps}.")
    for cev in CASE_EVENTS:
        out += ["", f"### `{cev.name}`", "",
                "| state | " + " | ".join(p.label for p in CASE_PERSONAS) + " |",
                "|---|" + "---|" * len(CASE_PERSONAS)]
        reasons: dict[tuple[str, str], None] = {}
        for key in cev.states:
            st = STATE[key]
            cells = []
            for p in CASE_PERSONAS:
                cell = expected(cev, st, p.key)
                cells.append(cell)
                if cell != OK and cell != ABSENT:
                    reasons[(cell, reason(cev, st, p.key))] = None
            out.append(f"| {key} | " + " | ".join(cells) + " |")
        if reasons:
            out += ["", "Refusals: " + "; ".join(f"{code}: \"{text}\"" for code, text in reasons) + "."]
    out.append("")
    return "\n".join(out)


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
