"""Going on and off duty (the explicit toggle; scheduled shifts also count, see storage/duty.py).

Each change of the toggle is recorded as a duty spell (started_at, ended_at) in the same transaction, so
the cycle report can add up hours on duty. The toggle flips by conditional UPDATE: two concurrent
duty.set calls cannot both open (or both close) a spell.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from roles import policy
from roles.facts import Actor
from server.actions.access import enforce
from server.actions.accounts import account_view
from server.deps import Deps
from server.notify import Effect
from server.storage.facts import load_actor
from server.storage.models import Account
from server.storage.models.helpdesk import DutySpell


async def set_duty(deps: Deps, actor_id: int, on_duty: bool) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor: Actor = await load_actor(s, actor_id, now)
        enforce(policy.can_go_on_duty(actor))
        flipped = await s.execute(update(Account).where(Account.id == actor_id, Account.on_duty.is_not(on_duty))
                                  .values(on_duty=on_duty).execution_options(synchronize_session=False))
        if flipped.rowcount == 1:  # type: ignore[attr-defined]
            if on_duty:
                await s.execute(insert(DutySpell).values(account_id=actor_id, started_at=now, ended_at=None))
            else:
                await s.execute(update(DutySpell).where(DutySpell.account_id == actor_id, DutySpell.ended_at.is_(None))
                                .values(ended_at=now).execution_options(synchronize_session=False))
        account = await s.get(Account, actor_id)
        assert account is not None
        await s.refresh(account)
        view = await account_view(s, account, now)
    # After commit, other areas react (roles: a monitor going off duty hands supervision over at once).
    effects: list[Effect] = []
    for hook in deps.on_duty_change:
        effects.extend(await hook(deps, actor_id, view["on_duty"]))
    return view, effects
