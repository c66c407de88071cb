"""The one permission policy: every "may this person do this now?" is answered here.

Each can_* is a pure function of facts (roles, membership, case state, duty, connection) and returns a
Decision. Actions load the facts, ask, and raise Forbidden with the Decision's reason; transports never
decide. Sections below are grouped by feature area; keep them pure and table-tested
(tests/roles/test_policy_matrix.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from roles.facts import Actor, CaseFacts, RoomFacts

MESSAGE_KINDS = ("chat", "whisper", "note")  # 'system' is written by the server only
STAFF_ONLY_KINDS = frozenset({"whisper", "note"})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


# --- rooms and messages -------------------------------------------------------------------------


def can_create_room(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("only staff can create team rooms")


def can_join_room(actor: Actor, room: RoomFacts) -> Decision:
    if room.kind == "team":
        return ALLOW if actor.is_staff else deny("only staff can join team rooms")
    if room.kind == "case":
        if room.membership is not None:
            return ALLOW
        if actor.has("monitor") or actor.has("admin"):
            return ALLOW
        if room.case is not None and (escalation_team_member(actor, room.case) or expert_member(actor, room.case)):
            return ALLOW  # the route's team of an escalated case, an expert team asked in
        return deny("case rooms are joined by claiming, shadowing or supervising the case")
    return ALLOW if room.membership is not None else deny("direct rooms cannot be joined")


def can_read_room(actor: Actor, room: RoomFacts) -> Decision:
    """History and sync: members, and monitors for any room (they supervise everything)."""
    if room.membership is not None:
        return ALLOW
    if actor.has("monitor") and room.kind in ("case", "team"):
        return ALLOW
    return deny("you are not in this room")


def can_send_message(actor: Actor, room: RoomFacts, kind: str) -> Decision:
    if kind not in MESSAGE_KINDS:
        return deny(f"message kind {kind!r} cannot be sent by clients")
    if room.membership is None:
        return deny("you are not in this room")
    if room.kind != "case":
        if kind in STAFF_ONLY_KINDS:
            return deny(f"{kind} messages belong in case rooms")
        return ALLOW
    case = room.case
    if case is None:
        return deny("this room has no case")
    if not case.is_open:
        return deny("this case is closed")
    if actor.id == case.requester_id and not actor.is_staff:
        return ALLOW if kind == "chat" else deny("requesters send chat messages only")
    if not actor.is_staff:
        return deny("you are not in this room")
    if kind in STAFF_ONLY_KINDS:
        return ALLOW
    # chat reaches the requester: only those working the case may speak.
    if actor.id == case.helper_id:
        return ALLOW
    if actor.has("monitor") and room.membership in ("staff", "monitor"):
        return ALLOW
    if actor.id == case.trainee_id:
        if case.monitor_id is None:
            return deny("a trainee can speak only while a room monitor supervises this case")
        return ALLOW
    if escalation_team_member(actor, case) or expert_member(actor, case):
        return ALLOW
    if actor.has("trainee") and not actor.has("helper"):
        return deny("trainees observe until they take the case under a monitor's supervision")
    return deny("only the staff working this case can chat with the requester; whisper instead")


def escalation_team_member(actor: Actor, case: CaseFacts) -> bool:
    return case.status == "escalated" and case.escalation_team is not None and case.escalation_team in actor.teams


def expert_member(actor: Actor, case: CaseFacts) -> bool:
    return bool(case.expert_teams & actor.teams)


def message_view(viewer: Actor, membership: str | None, case: CaseFacts | None, kind: str, sensitive: bool) -> str:
    """What a viewer gets of one message: 'full', 'redacted' (body null) or 'hidden'."""
    is_requester = case is not None and viewer.id == case.requester_id and not viewer.is_staff
    if kind in STAFF_ONLY_KINDS and not viewer.is_staff:
        return "hidden"
    if is_requester and kind not in ("chat", "system"):
        return "hidden"
    if not sensitive:
        return "full"
    return "full" if can_view_sensitive(viewer, case) else "redacted"


def can_view_sensitive(viewer: Actor, case: CaseFacts | None) -> bool:
    """Sensitive content: the requester, the assigned staff and monitors only."""
    if case is None:
        return False
    if viewer.id == case.requester_id:
        return True
    if case.is_assigned(viewer.id) or viewer.has("monitor"):
        return True
    return escalation_team_member(viewer, case)


# --- the help desk flow -------------------------------------------------------------------------


def can_request_help(actor: Actor) -> Decision:
    return ALLOW if not actor.is_staff or actor.is_guest else deny("staff accounts cannot open help requests")


def can_list_queue(actor: Actor) -> Decision:
    if actor.roles & {"trainee", "helper", "monitor"}:
        return ALLOW
    return deny("only trainees, helpers and monitors see the queue")


def can_claim_case(actor: Actor, case: CaseFacts, monitor_available: bool) -> Decision:
    """Helpers claim; trainees only when an on-duty, connected monitor can supervise."""
    if case.status != "queued":
        return deny("this case is not in the queue")
    if actor.has("helper") or actor.has("monitor"):
        return ALLOW
    if actor.has("trainee"):
        if monitor_available:
            return ALLOW
        return deny("no room monitor is available to supervise you; shadow the case instead")
    return deny("only helpers and supervised trainees can claim cases")


def can_manage_case(actor: Actor, case: CaseFacts) -> Decision:
    """Hold, resume, transfer: the staff assigned to the case, and monitors."""
    if actor.has("monitor"):
        return ALLOW
    if actor.id == case.helper_id:
        return ALLOW
    if actor.id == case.trainee_id and case.monitor_id is not None:
        return ALLOW
    return deny("only the staff assigned to this case or a monitor can do that")


def can_resolve_case(actor: Actor, case: CaseFacts) -> Decision:
    if not case.is_open:
        return deny("this case is already closed")
    if case.status == "escalated" and escalation_team_member(actor, case):
        return ALLOW
    return can_manage_case(actor, case)


# --- help desk: routing, capacity, abandon, auto-close, desk administration (helpdesk area) -------

ANSWERING_ROLES = frozenset({"helper", "trainee"})


def serves_queue(actor: Actor, queue_teams: tuple[str, ...] | frozenset[str]) -> bool:
    """Routing: helpers and trainees serve a queue with no teams, or one naming a team they are in."""
    if not actor.roles & ANSWERING_ROLES:
        return False
    return not queue_teams or bool(actor.teams & frozenset(queue_teams))


def can_take_another_case(actor: Actor, already_open: int, cap: int) -> Decision:
    """The per-person cap on open (active or on-hold) cases, not counting the one being taken. Monitors
    are exempt: they take cases over when something goes wrong, and a cap must never stop that."""
    if actor.has("monitor"):
        return ALLOW
    if already_open >= cap:
        return deny(f"you already have {cap} open cases; resolve or hand one back before claiming another")
    return ALLOW


def can_abandon_case(actor: Actor, case: CaseFacts) -> Decision:
    """Only the requester withdraws their own request (staff resolve instead)."""
    if actor.id != case.requester_id or actor.is_staff:
        return deny("only the requester can withdraw a help request")
    return ALLOW


def autoclose_exempt(case: CaseFacts) -> bool:
    """The one rule for which cases the on-hold auto-close leaves alone: escalated ones (they stay open
    in their route's team room until someone resolves them)."""
    return case.status == "escalated" or case.escalation_team is not None


def can_use_canned(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("canned responses are for staff")


def can_manage_helpdesk(actor: Actor) -> Decision:
    """Shifts, coverage and canned responses are managed by admins."""
    return ALLOW if actor.has("admin") else deny("only admins manage shifts, coverage and canned responses")


# --- escalations: routes, hand-offs, experts, transfers, personal escalation (escalation area) ----


def can_list_routes(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("only staff see escalation routes")


def can_escalate_case(actor: Actor, case: CaseFacts) -> Decision:
    """Escalate, transfer, involve an expert: the staff assigned to the case, and monitors."""
    if not actor.is_staff:
        return deny("only the staff assigned to this case or a monitor can do that")
    return can_manage_case(actor, case)


def can_confirm_handoff(actor: Actor, case: CaseFacts) -> Decision:
    """Only the requester answers the hand-off question (confirm_first routes such as admissions)."""
    if actor.id != case.requester_id or actor.is_staff:
        return deny("only the requester can answer this question")
    return ALLOW


def can_receive_transfer(target: Actor) -> Decision:
    """A case is transferred to someone who may work it alone: a helper or a monitor."""
    if target.has("helper") or target.has("monitor"):
        return ALLOW
    return deny("cases are transferred to helpers or monitors only")


def can_flag_case(actor: Actor, case: CaseFacts, membership: str | None) -> Decision:
    """A personal escalation by hand: any staff in the case (member of its room, assigned, the escalation
    team, an expert asked in) and monitors."""
    if not actor.is_staff:
        return deny("only staff can raise a personal escalation")
    if actor.has("monitor") or membership is not None or case.is_assigned(actor.id):
        return ALLOW
    if escalation_team_member(actor, case) or expert_member(actor, case):
        return ALLOW
    return deny("only staff in this case can raise a personal escalation")


def can_view_escalation_reports(actor: Actor) -> Decision:
    return ALLOW if actor.has("admin") else deny("only admins see escalation reports")


def case_join_role(actor: Actor, case: CaseFacts | None) -> str:
    """The room membership role of staff joining a case room with room.join."""
    if actor.has("monitor") or actor.has("admin") or case is None:
        return "monitor"
    if escalation_team_member(actor, case):
        return "team"
    if expert_member(actor, case):
        return "expert"
    return "monitor"


# --- sensitive data and retention (retention area) ------------------------------------------------


def can_mark_sensitive(actor: Actor, case: CaseFacts | None) -> Decision:
    """Staff who may see a case's sensitive content may also seal a message that should have been."""
    if case is None:
        return deny("only messages in case rooms can be marked sensitive")
    if actor.is_staff and can_view_sensitive(actor, case):
        return ALLOW
    return deny("only the staff assigned to this case or a monitor can mark its messages sensitive")


def can_upload_attachment(actor: Actor, room: RoomFacts) -> Decision:
    """Files go where their uploader may chat: the requester and the staff working an open case."""
    if room.kind != "case":
        return deny("files can be attached to case rooms only")
    return can_send_message(actor, room, "chat")


def can_download_attachment(actor: Actor, room: RoomFacts, sensitive: bool) -> Decision:
    """Same visibility as a (sensitive) chat message in the case room."""
    if not can_read_room(actor, room):
        return deny("you are not in this room")
    if message_view(actor, room.membership, room.case, "chat", sensitive) != "full":
        return deny("this file is sensitive: only the requester, the assigned staff and monitors can open it")
    return ALLOW


def can_erase_requester(actor: Actor) -> Decision:
    return ALLOW if actor.has("admin") else deny("only admins can erase a requester's data")


def can_read_retention_audit(actor: Actor) -> Decision:
    return ALLOW if actor.has("admin") else deny("only admins can read the retention audit")
