"""Table-driven checks of the decisions that used to be taken inside actions and transports (now in
roles/policy.py), and of how server/actions/access.py turns a Decision's code into the answered error."""

from __future__ import annotations

import pytest

from roles import policy
from roles.facts import Actor, CaseFacts, Progress, RoomFacts
from server.actions.access import enforce, refusal
from server.errors import Conflict, DomainError, Forbidden, NotFound

RITA = Actor(10)  # requester
ALICE = Actor(20, frozenset({"helper"}))
BOB = Actor(30, frozenset({"trainee"}))
CAROL = Actor(40, frozenset({"monitor"}), on_duty=True)
ADMIN = Actor(50, frozenset({"admin"}))
CASE = CaseFacts(1, "active", requester_id=10, helper_id=20)


@pytest.mark.parametrize("room_kind, looks_like, allowed, reason", [
    ("case", None, True, ""),
    (None, None, True, ""),  # a missing room is answered not_found by the writer, not here
    ("case", "an e-mail address", True, ""),
    ("team", None, False, "sensitive content is never posted outside a case room"),
    ("direct", None, False, "sensitive content is never posted outside a case room"),
    ("team", "an e-mail address", False,
     "this message looks like it contains an e-mail address; sensitive content is never posted outside a case room"),
])
def test_sensitive_content_only_in_case_rooms(room_kind: str | None, looks_like: str | None, allowed: bool,
                                              reason: str) -> None:
    d = policy.can_post_sensitive(room_kind, looks_like)
    assert (d.allowed, d.reason, d.code) == (allowed, reason, "forbidden")


@pytest.mark.parametrize("actor, allowed", [(RITA, False), (ALICE, True), (BOB, True), (CAROL, True), (ADMIN, True)])
def test_case_escalations_are_staff_business(actor: Actor, allowed: bool) -> None:
    d = policy.can_view_escalations(actor)
    assert d.allowed is allowed
    if not allowed:
        assert (d.reason, d.code) == ("only staff see a case's escalations", "forbidden")


@pytest.mark.parametrize("actor, membership, allowed", [
    (RITA, "requester", True), (RITA, None, False), (ALICE, "staff", True), (ALICE, None, False),
    (CAROL, None, True), (BOB, "shadow", True),
])
def test_transcript_follows_room_history(actor: Actor, membership: str | None, allowed: bool) -> None:
    room = RoomFacts(5, "case", membership, CASE)
    d = policy.can_read_transcript(actor, room)
    assert d.allowed is allowed is bool(policy.can_read_room(actor, room))
    if not allowed:
        assert d.reason == "you may not read this case's transcript"


@pytest.mark.parametrize("force, hint, expected", [
    (False, None, "bob is not eligible for helper yet: 0 of 2 vouches, from 0 of 2 different people"),
    (False, "use --force to promote anyway",
     "bob is not eligible for helper yet: 0 of 2 vouches, from 0 of 2 different people (use --force to promote anyway)"),
    (True, "use --force to promote anyway", ""),
])
def test_promotion_names_the_way_to_force(force: bool, hint: str | None, expected: str) -> None:
    d = policy.can_promote(ADMIN, BOB, "bob", "helper", Progress(0, 0), 2, 2, force, hint)
    assert d.allowed is (expected == "")
    assert d.reason == expected


def test_the_hint_is_not_added_where_forcing_would_not_help() -> None:
    d = policy.can_promote(ALICE, BOB, "bob", "helper", Progress(0, 0), 2, 2, False, "use --force")
    assert d.reason == "only admins promote trainees"


@pytest.mark.parametrize("decision, error", [
    (policy.deny("no"), Forbidden),
    (policy.conflict("already claimed"), Conflict),
    (policy.Decision(False, "no such case", "not_found"), NotFound),
])
def test_the_answer_code_is_the_policys(decision: policy.Decision, error: type[DomainError]) -> None:
    err = refusal(decision)
    assert type(err) is error and err.code == decision.code and err.message == decision.reason
    with pytest.raises(error):
        enforce(decision)


def test_an_allowed_decision_raises_nothing() -> None:
    enforce(policy.ALLOW)


@pytest.mark.parametrize("actor, capped", [(ALICE, True), (BOB, True), (CAROL, False),
                                           (Actor(60, frozenset({"helper", "monitor"})), False)])
def test_monitors_are_exempt_from_the_case_cap(actor: Actor, capped: bool) -> None:
    assert policy.case_cap_applies(actor) is capped
    assert bool(policy.can_take_another_case(actor, 5, 5)) is not capped
    assert policy.can_take_another_case(actor, 4, 5)


@pytest.mark.parametrize("actor, staff, monitors, admins", [
    (RITA, False, False, False), (Actor(11, is_guest=True), False, False, False), (ALICE, True, False, False),
    (BOB, True, False, False), (CAROL, True, True, False), (ADMIN, True, False, True),
])
def test_which_channels_a_socket_hears(actor: Actor, staff: bool, monitors: bool, admins: bool) -> None:
    assert (policy.hears_staff_only(actor), policy.hears_monitor_feed(actor), policy.hears_admin_feed(actor)) == (
        staff, monitors, admins)


@pytest.mark.parametrize("actor, owner, allowed", [
    (ALICE, ALICE.id, True),   # her own
    (ALICE, BOB.id, False),    # a colleague's
    (BOB, BOB.id, True),
    (CAROL, CAROL.id, True),
    (CAROL, ALICE.id, False),  # a monitor plans their own, not others'
    (ADMIN, ALICE.id, True),   # admins keep the rota
    (RITA, RITA.id, False),    # a requester has no shifts
])
def test_shift_edits_own_or_admin(actor: Actor, owner: int, allowed: bool) -> None:
    d = policy.can_edit_shift(actor, owner)
    assert d.allowed is allowed and (allowed or d.reason == "you can change only your own shifts")


def test_own_shifts_are_for_the_roles_that_work_them() -> None:
    assert all(policy.can_keep_own_shifts(a) for a in (ALICE, BOB, CAROL))
    assert not policy.can_keep_own_shifts(ADMIN) and not policy.can_keep_own_shifts(RITA)
