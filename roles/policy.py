"""The one permission policy: every "may this person do this now?" is answered here.

Each can_* is a pure function of facts (roles, membership, case state, duty, connection) and returns a
Decision. Actions load the facts, ask, and raise Forbidden with the Decision's reason; transports never
decide. Sections below are grouped by feature area; keep them pure and table-tested
(tests/roles/test_policy_matrix.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from roles.facts import Actor, CaseFacts, Progress, RoomFacts, VouchFacts

MESSAGE_KINDS = ("chat", "whisper", "note")  # 'system' is written by the server only
STAFF_ONLY_KINDS = frozenset({"whisper", "note"})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    # How a refusal is answered: "forbidden" (not allowed to), "conflict" (the case is not in a state
    # where this makes sense, e.g. claiming a case someone already claimed) or "not_found" (the answer must
    # not reveal that the thing exists). server/actions/guard.py maps it to the error.
    code: str = "forbidden"

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


def conflict(reason: str) -> Decision:
    """A refusal because of the case's current state rather than who is asking."""
    return Decision(False, reason, "conflict")


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


def can_leave_room(actor: Actor, room: RoomFacts) -> Decision:
    """Leave a room you are in; in a case room the requester and the staff working it stay (they resolve,
    transfer or hand back instead). Shadows and monitors may leave."""
    if room.membership is None:
        return Decision(False, "you are not in this room", "not_found")
    if room.kind == "case" and room.membership in ("requester", "staff"):
        return deny("resolve, transfer or hand the case back instead of leaving it")
    case = room.case
    if case is not None and case.is_open and case.trainee_id is not None and actor.id == case.monitor_id:
        return deny("you supervise a trainee on this case; take it over or go off duty to hand supervision over")
    return ALLOW


def hears_staff_only(actor: Actor) -> bool:
    """Whispers and notes go to a room's staff channel; only staff sockets sit in it (requesters never
    receive them, as message_view says for history)."""
    return actor.is_staff


def hears_monitor_feed(actor: Actor) -> bool:
    """The monitors' feed (every case.updated, the overview): monitors' sockets only."""
    return actor.has("monitor")


def hears_admin_feed(actor: Actor) -> bool:
    """The admins' feed (personal escalations by default, role changes): admins' sockets only."""
    return actor.has("admin")


def sees_all_team_rooms(actor: Actor) -> bool:
    """room.list: staff see every team room (to join it); others only rooms they are in."""
    return actor.is_staff


def can_read_room(actor: Actor, room: RoomFacts) -> Decision:
    """History and sync: members, and monitors for any room (they supervise everything)."""
    if room.membership is not None:
        return ALLOW
    if actor.has("monitor") and room.kind in ("case", "team"):
        return ALLOW
    return deny("you are not in this room")


def can_read_transcript(actor: Actor, room: RoomFacts) -> Decision:
    """A case's transcript: whoever may read its room."""
    return ALLOW if can_read_room(actor, room) else deny("you may not read this case's transcript")


def can_post_sensitive(room_kind: str | None, matched: str | None = None) -> Decision:
    """Sensitive content lives only in case rooms (where the 30-day purge and sealing apply); `matched`
    names what the automatic detection found, for the refusal. A missing room is answered elsewhere."""
    if room_kind is None or room_kind == "case":
        return ALLOW
    found = f"this message looks like it contains {matched}; " if matched else ""
    return deny(f"{found}sensitive content is never posted outside a case room")


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


def can_view_case(actor: Actor, case: CaseFacts) -> Decision:
    """A case object (case.get, GET /api/cases/{id}): staff see every case, a requester their own. The
    action answers a refusal with not_found, so a requester cannot probe other people's case ids."""
    if actor.is_staff or actor.id == case.requester_id:
        return ALLOW
    return Decision(False, "no such case", "not_found")


def sees_all_cases(actor: Actor) -> bool:
    """GET /api/cases: staff list every case; anyone else only their own."""
    return actor.is_staff


def sees_supervision(actor: Actor) -> bool:
    """Who supervises a case is staff business: the requester's copy of a case has "monitor": null."""
    return actor.is_staff


def sees_case_summary(actor: Actor) -> bool:
    """The resolve summary is staff-only: never in what the requester receives or downloads."""
    return actor.is_staff


def can_go_on_duty(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("only staff go on duty")


def can_list_queue(actor: Actor) -> Decision:
    if actor.roles & {"trainee", "helper", "monitor"}:
        return ALLOW
    return deny("only trainees, helpers and monitors see the queue")


def can_claim_case(actor: Actor, case: CaseFacts, monitor_available: bool) -> Decision:
    """Helpers and monitors claim; trainees only when an on-duty, connected monitor can supervise.

    Order matters (it is the answer clients see): who you are, then the case's state, then supervision.
    """
    if not actor.roles & {"helper", "monitor", "trainee"}:
        return deny("only helpers and supervised trainees can claim cases")
    if case.status != "queued":
        return conflict("this case was already claimed" if case.is_open else "this case is closed")
    if actor.has("helper") or actor.has("monitor"):
        return ALLOW
    if monitor_available:
        return ALLOW
    return deny("no room monitor is available to supervise you right now; shadow the case instead")


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


# --- escalations: routes, hand-offs, experts, transfers, personal escalation (escalation area) ----


def can_view_escalations(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("only staff see a case's escalations")


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


def can_view_cycle_report(actor: Actor) -> Decision:
    """Cycle reports (issue 15): every staff member may ask; what they get is cycle_report_scope's."""
    return ALLOW if actor.is_staff else deny("only staff see cycle reports")


def cycle_report_scope(actor: Actor) -> str:
    """'all': every agent, every team and the totals (admins). 'own': the asker's own row only: team rows
    and totals would reveal colleagues' figures, so the server leaves them out."""
    return "all" if actor.has("admin") else "own"


def case_join_role(actor: Actor, case: CaseFacts | None) -> str:
    """The room membership role of staff joining a case room with room.join."""
    if actor.has("monitor") or actor.has("admin") or case is None:
        return "monitor"
    if escalation_team_member(actor, case):
        return "team"
    if expert_member(actor, case):
        return "expert"
    return "monitor"


# --- roles, shadowing, supervision, vouching, promotion (roles area) ------------------------------
# The rules chosen where the issue was silent are written up in docs/roles.md; the matrix of every
# event x role x case state is generated from these functions (python -m roles.matrix).

WORKING_ROLES = frozenset({"trainee", "helper", "monitor"})


def works_as_trainee(actor: Actor) -> bool:
    """A trainee in effect: the trainee role without helper or monitor (those claim on their own)."""
    return actor.has("trainee") and not (actor.has("helper") or actor.has("monitor"))


def can_supervise(actor: Actor) -> bool:
    """A monitor may supervise trainees only while on duty and connected."""
    return actor.has("monitor") and actor.on_duty and actor.connected


def can_shadow_case(actor: Actor, case: CaseFacts) -> Decision:
    """Trainees, helpers and monitors may observe any live case (read-only, whispers and notes included)."""
    if not actor.roles & WORKING_ROLES:
        return deny("only trainees, helpers and monitors shadow cases")
    if not case.is_open:
        return deny("this case is closed; only live cases can be shadowed")
    return ALLOW


def can_unshadow_case(actor: Actor, membership: str | None) -> Decision:
    if membership == "shadow":
        return ALLOW
    if membership is None:
        return deny("you are not shadowing this case")
    return deny("you work this case; resolve, transfer or hand it back instead of leaving it")


def can_supervise_case(actor: Actor, case: CaseFacts) -> Decision:
    """case.supervise: an on-duty, connected monitor becomes the case's supervising monitor."""
    if not actor.has("monitor"):
        return deny("only room monitors supervise cases")
    if not case.is_open:
        return deny("this case is closed")
    if not actor.on_duty:
        return deny("go on duty before supervising a case")
    if not actor.connected:
        return deny("connect before supervising a case")
    return ALLOW


def can_take_over_case(actor: Actor, case: CaseFacts) -> Decision:
    """case.takeover: a monitor becomes the case's helper; its trainee (or helper) goes back to shadowing."""
    if not actor.has("monitor"):
        return deny("only room monitors take cases over")
    if not case.is_open:
        return deny("this case is closed")
    if case.status == "escalated":
        return deny("an escalated case belongs to its escalation team")
    if case.status == "queued":
        return conflict("this case is still in the queue; claim it instead")
    if actor.id == case.helper_id:
        return conflict("you already have this case")
    return ALLOW


def can_hand_back_case(actor: Actor, case: CaseFacts, taken_from: int | None) -> Decision:
    """case.handback: the monitor who took a case from a trainee gives it back and keeps supervising."""
    if not actor.has("monitor"):
        return deny("only room monitors hand cases back")
    if not case.is_open:
        return deny("this case is closed")
    if taken_from is None or case.status not in ("active", "on_hold"):
        return conflict("this case was not taken over from a trainee; there is nothing to hand back")
    if actor.id != case.helper_id:
        return deny("only the monitor who took the case over can hand it back")
    if not can_supervise(actor):
        return deny("go on duty first: the trainee may work the case only while you supervise it")
    return ALLOW


def can_vouch(actor: Actor, case: CaseFacts, facts: VouchFacts) -> Decision:
    """case.vouch: helpers and monitors who worked a resolved, supervised case with the trainee, once."""
    if not (actor.has("helper") or actor.has("monitor")):
        return deny("only helpers and monitors vouch for trainees")
    if facts.trainee is not None and facts.trainee.id == actor.id:
        return deny("you cannot vouch for yourself")
    if facts.trainee is None or not works_as_trainee(facts.trainee):
        return deny("only trainees are vouched for")
    if case.status != "resolved":
        return deny("vouch once the case is resolved")
    if not facts.trainee_took_case:
        return deny("they did not take this case under supervision")
    if not facts.voucher_worked_case:
        return deny("only staff who worked this case with the trainee (helper, monitor or shadow) can vouch")
    if facts.already_vouched:
        return conflict("you already vouched for them on this case")
    return ALLOW


def promotion_eligible(progress: Progress, vouches_required: int, distinct_required: int) -> bool:
    return progress.vouches >= vouches_required and progress.distinct_vouchers >= distinct_required


def can_promote(actor: Actor, target: Actor, name: str, to: str, progress: Progress, vouches_required: int,
                distinct_required: int, force: bool, force_hint: str | None = None) -> Decision:
    """Trainee -> helper by an admin (or the shell), when eligible by vouches or forced. `name` is the
    target's username, for a message that stands on its own (the CLI prints it as its one line).
    `force_hint` (how this caller forces: a CLI flag, a payload field) is added to the one refusal that
    forcing would turn into an allow, so the caller never re-asks the policy to find that out."""
    if not actor.has("admin"):
        return deny("only admins promote trainees")
    if to != "helper":
        return deny("trainees are promoted to helper; grant other roles instead")
    if target.has("helper"):
        return conflict(f"{name} is already a helper")
    if not target.has("trainee"):
        return deny(f"{name} is not a trainee; grant roles instead of promoting")
    if not force and not promotion_eligible(progress, vouches_required, distinct_required):
        return deny(f"{name} is not eligible for helper yet: {progress.vouches} of {vouches_required} vouches, "
                    f"from {progress.distinct_vouchers} of {distinct_required} different people"
                    + (f" ({force_hint})" if force_hint else ""))
    return ALLOW


def can_change_roles(actor: Actor, admins_left_after: int) -> Decision:
    """Grant and revoke roles: admins only, and never leaving the site without an admin."""
    if not actor.has("admin"):
        return deny("only admins change roles")
    if admins_left_after < 1:
        return deny("this would leave no admin; make someone else admin first")
    return ALLOW


def can_administer(actor: Actor) -> Decision:
    """Account lists, trainees and their records, the role audit log."""
    return ALLOW if actor.has("admin") else deny("only admins can do that")


def can_view_record(actor: Actor, account_id: int) -> Decision:
    """A trainee's record: admins, and the trainee themself."""
    if actor.has("admin") or actor.id == account_id:
        return ALLOW
    return deny("only admins see other people's records")


def can_view_overview(actor: Actor) -> Decision:
    if actor.has("monitor") or actor.has("admin"):
        return ALLOW
    return deny("only room monitors and admins see the monitor overview")


def can_sign_up(self_signup: bool) -> Decision:
    return ALLOW if self_signup else deny("self sign-up is disabled on this server; ask an admin for an account")


# --- help desk: routing, capacity, abandon, auto-close, desk administration (helpdesk area) -------

ANSWERING_ROLES = frozenset({"helper", "trainee"})


def serves_queue(actor: Actor, queue_teams: tuple[str, ...] | frozenset[str]) -> bool:
    """Routing: helpers and trainees serve a queue with no teams, or one naming a team they are in."""
    if not actor.roles & ANSWERING_ROLES:
        return False
    return not queue_teams or bool(actor.teams & frozenset(queue_teams))


def case_cap_applies(actor: Actor) -> bool:
    """Monitors are exempt from the per-person cap: they take cases over when something goes wrong, and
    a cap must never stop that (the claim path skips counting for them)."""
    return not actor.has("monitor")


def can_take_another_case(actor: Actor, already_open: int, cap: int) -> Decision:
    """The per-person cap on open (active or on-hold) cases, not counting the one being taken."""
    if not case_cap_applies(actor):
        return ALLOW
    if already_open >= cap:
        return deny(f"you already have {cap} open cases; resolve or hand one back before claiming another")
    return ALLOW


def can_abandon_case(actor: Actor, case: CaseFacts) -> Decision:
    """Only the requester withdraws their own request (staff resolve instead)."""
    if actor.id != case.requester_id or actor.is_staff:
        return deny("only the requester can withdraw a help request")
    return ALLOW


def can_see_queue_position(actor: Actor, case: CaseFacts) -> Decision:
    """A requester follows their own place in the queue; staff see every place."""
    if actor.is_staff or actor.id == case.requester_id:
        return ALLOW
    return deny("this is not your request")


def autoclose_exempt(case: CaseFacts) -> bool:
    """The one rule for which cases the on-hold auto-close leaves alone: escalated ones (they stay open
    in their route's team room until someone resolves them), and cases waiting for an expert team that
    was asked in and has not answered yet (a helper holding a case for the expert must not lose it)."""
    return case.status == "escalated" or case.escalation_team is not None or case.awaiting_experts


def can_use_canned(actor: Actor) -> Decision:
    return ALLOW if actor.is_staff else deny("canned responses are for staff")


def can_manage_helpdesk(actor: Actor) -> Decision:
    """Shifts, coverage and canned responses are managed by admins."""
    return ALLOW if actor.has("admin") else deny("only admins manage shifts, coverage and canned responses")


SHIFT_ROLES = frozenset({"helper", "trainee", "monitor"})


def can_keep_own_shifts(actor: Actor) -> Decision:
    """Helpers, trainees and monitors plan their own shifts ("My shifts"); the rota is theirs to keep."""
    return ALLOW if actor.roles & SHIFT_ROLES else deny("shifts are for helpers, trainees and monitors")


def can_edit_shift(actor: Actor, owner_id: int) -> Decision:
    """Admins change anyone's shift; everyone else only their own (a swap is agreed, then each edits theirs)."""
    if actor.has("admin"):
        return ALLOW
    if actor.id == owner_id and actor.roles & SHIFT_ROLES:
        return ALLOW
    return deny("you can change only your own shifts")


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


# --- operations ---------------------------------------------------------------------------------


def can_scrape_metrics(enabled: bool, from_allowed_network: bool, has_token: bool) -> Decision:
    """/metrics shows queue sizes and who is connected by role: off by default, then only to the
    configured networks (a local Prometheus) or a scraper holding the bearer token."""
    if not enabled:
        return Decision(False, "metrics are off (metrics.enabled in config.yaml)", "not_found")
    if from_allowed_network or has_token:
        return ALLOW
    return deny("metrics are readable only from metrics.allow_from or with the bearer token")
