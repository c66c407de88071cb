"""Vouching for trainees after a supervised case, and what makes a trainee eligible for promotion.

Rules (docs/roles.md): a helper or monitor vouches for a trainee on one case, once; the case must be
resolved; the trainee must have taken it under supervision (claimed it, or had it handed back); the
voucher must have worked it with them (its helper or monitor, or a shadow). A trainee is eligible with
roles.promotion.vouches_required vouches from distinct_vouchers_required different people.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from roles.facts import VouchFacts
from server.actions.access import access_case, enforce, facts_of
from server.actions.sensitive import refuse_sensitive_text
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict
from server.notify import ADMINS, Effect, Emit, account_room
from server.storage import participation
from server.storage.facts import load_actor, load_actors
from server.storage.models import Account
from server.storage.models.roles import Vouch
from server.views import person


def vouch_dict(v: Vouch, people: dict[int, Account]) -> dict[str, Any]:
    return {
        "id": v.id,
        "case_id": v.case_id,
        "trainee": person(people.get(v.trainee_id)),
        "voucher": person(people.get(v.voucher_id)) if v.voucher_id is not None else None,
        "note": v.note,
        "created_at": iso(v.created_at),
    }


async def vouch(deps: Deps, actor_id: int, case_id: Any, trainee_id: int, text: str | None
                ) -> tuple[dict[str, Any], list[Effect]]:
    """case.vouch -> {"vouch"}; conflict on a second vouch for the same trainee on the same case."""

    refuse_sensitive_text(deps, text, "the vouch note", field="note")  # admins read it, and it is kept
    now = deps.clock.now()
    cfg = deps.config.roles.promotion
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        trainee = (await load_actors(s, [trainee_id], now)).get(trainee_id)
        already = (await s.execute(select(Vouch.id).where(
            Vouch.case_id == case.id, Vouch.voucher_id == actor_id, Vouch.trainee_id == trainee_id))).first()
        facts = VouchFacts(
            trainee=trainee,
            trainee_took_case="trainee" in await participation.capacities(s, case.id, trainee_id),
            voucher_worked_case=await participation.worked_case(s, case, actor_id),
            already_vouched=already is not None,
        )
        enforce(policy.can_vouch(actor, await facts_of(s, case), facts))
        before = (await participation.progress_of(s, [trainee_id]))[trainee_id]
        if not await participation.insert_ignore(
                s, Vouch, dict(case_id=case.id, trainee_id=trainee_id, voucher_id=actor_id, note=text or None,
                               created_at=now), ["case_id", "voucher_id", "trainee_id"]):
            raise Conflict("you already vouched for them on this case")
        row = (await s.execute(select(Vouch).where(
            Vouch.case_id == case.id, Vouch.voucher_id == actor_id, Vouch.trainee_id == trainee_id))).scalar_one()
        people = {a.id: a for a in (await s.execute(select(Account).where(
            Account.id.in_([actor_id, trainee_id])))).scalars()}
        view = vouch_dict(row, people)
        after = (await participation.progress_of(s, [trainee_id]))[trainee_id]
    progress = {"vouches": after.vouches, "distinct_vouchers": after.distinct_vouchers,
                "vouches_required": cfg.vouches_required, "distinct_vouchers_required": cfg.distinct_vouchers_required,
                "eligible": policy.promotion_eligible(after, cfg.vouches_required, cfg.distinct_vouchers_required)}
    effects: list[Effect] = [Emit("alert", {"kind": "vouch", "case_id": case.id, "vouch": view, "progress": progress,
                                            "message": f"{view['voucher']['display_name']} vouched for you."},
                                  (account_room(trainee_id),))]
    was = policy.promotion_eligible(before, cfg.vouches_required, cfg.distinct_vouchers_required)
    if progress["eligible"] and not was:
        effects.append(Emit("alert", {"kind": "promotion_eligible", "account": view["trainee"], "progress": progress,
                                      "message": f"{view['trainee']['display_name']} is eligible for promotion to helper."},
                            (ADMINS,)))
    return {"vouch": view, "progress": progress}, effects


async def vouches_for(s: AsyncSession, trainee_id: int) -> list[dict[str, Any]]:
    rows = list((await s.execute(select(Vouch).where(Vouch.trainee_id == trainee_id)
                                 .order_by(Vouch.created_at, Vouch.id))).scalars())
    ids = {trainee_id} | {v.voucher_id for v in rows if v.voucher_id is not None}
    people = {a.id: a for a in (await s.execute(select(Account).where(Account.id.in_(ids)))).scalars()}
    return [vouch_dict(v, people) for v in rows]
