"""What the message writer's direct path takes and what it hands to the session path (_plan_direct).

A pure decision over a batch's facts, tested here on its own because which of a batch's messages land in
one group commit is up to timing on a live server; the live tests (test_metrics, test_writer_lock, the
case and escalation suites) cover each path end to end.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from roles.facts import CaseFacts
from server.errors import Forbidden
from server.message_writer import Draft, Written, _Accepted, _Pending, _plan_direct
from server.storage.sqlite_batch import BatchFacts, SenderRow

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
TEAM_ROOM, CASE_ROOM, OTHER_ROOM = 1, 2, 3
HELPER, RITA, OUTSIDER = 10, 11, 12


def facts(*, cases: dict[int, CaseFacts]) -> BatchFacts:
    return BatchFacts(
        room_kinds={TEAM_ROOM: "team", CASE_ROOM: "case", OTHER_ROOM: "team"},
        memberships={(TEAM_ROOM, HELPER): "member", (CASE_ROOM, HELPER): "staff", (CASE_ROOM, RITA): "requester",
                     (OTHER_ROOM, HELPER): "member", (CASE_ROOM, OUTSIDER): "staff"},
        senders={HELPER: SenderRow(HELPER, "Alice", False), RITA: SenderRow(RITA, "Rita", True),
                 OUTSIDER: SenderRow(OUTSIDER, "Olga", False)},
        roles={HELPER: frozenset({"helper"}), OUTSIDER: frozenset({"helper"})},
        taken=set(),
        cases=cases,
    )


CASE = CaseFacts(id=7, status="active", requester_id=RITA, helper_id=HELPER)


def pending(room_id: int, sender_id: int, client_id: str, *, sensitive: bool = False) -> _Pending:
    draft = Draft(room_id=room_id, sender_id=sender_id, client_id=client_id, kind="chat", body=client_id,
                  sensitive=sensitive)
    return _Pending(draft, asyncio.get_running_loop().create_future())


async def test_case_rooms_go_direct_with_their_facts() -> None:
    batch = [pending(CASE_ROOM, HELPER, "a"), pending(TEAM_ROOM, HELPER, "b")]
    with_cases = _plan_direct(batch, facts(cases={CASE_ROOM: CASE}), NOW)
    assert [row["client_id"] for _, row in with_cases.accepted] == ["a", "b"] and with_cases.rest == []


async def test_a_room_after_a_handed_back_message_stays_in_order() -> None:
    """A sensitive message goes to the session path, whose rows are stored after the direct ones: every
    later message of its room follows it there, so seqs keep the order of sending; other rooms go on."""
    batch = [pending(CASE_ROOM, RITA, "s1", sensitive=True), pending(CASE_ROOM, HELPER, "a"),
             pending(OTHER_ROOM, HELPER, "b")]
    plan = _plan_direct(batch, facts(cases={CASE_ROOM: CASE}), NOW)
    assert plan.rest == batch[:2]
    assert [row["client_id"] for _, row in plan.accepted] == ["b"]


async def test_the_policy_decides_with_the_case() -> None:
    """A helper who is not the case's helper (nor its monitor, escalation team or expert) may not chat in it."""
    batch = [pending(CASE_ROOM, OUTSIDER, "x"), pending(CASE_ROOM, RITA, "y")]
    plan = _plan_direct(batch, facts(cases={CASE_ROOM: CASE}), NOW)
    refused, accepted = plan.outcomes[0][1], plan.outcomes[1][1]
    assert isinstance(refused, Forbidden)
    assert isinstance(accepted, _Accepted)
    plan.accepted[0][1]["seq"] = 5  # as store() numbers the rows
    settled = plan.settle([41], facts(cases={CASE_ROOM: CASE}))
    written = settled[1][1]
    assert isinstance(written, Written) and written.case == CASE and written.room_kind == "case"
    assert (written.message.id, written.message.seq, written.sender.id) == (41, 5, RITA)
