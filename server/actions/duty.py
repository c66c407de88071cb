"""Going on and off duty (the explicit toggle; scheduled shifts also count, see storage/duty.py)."""

from __future__ import annotations

from typing import Any

from roles import policy
from roles.facts import Actor
from server.actions.access import enforce
from server.actions.accounts import account_view
from server.deps import Deps
from server.notify import Effect
from server.storage.facts import load_actor
from server.storage.models import Account


async def set_duty(deps: Deps, actor_id: int, on_duty: bool) -> tuple[dict[str, Any], list[Effect]]:
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor: Actor = await load_actor(s, actor_id, now)
        enforce(policy.can_go_on_duty(actor))
        account = await s.get(Account, actor_id)
        assert account is not None
        account.on_duty = on_duty
        await s.flush()
        view = await account_view(s, account, now)
    # After commit, other areas react (roles: a monitor going off duty hands supervision over at once).
    effects: list[Effect] = []
    for hook in deps.on_duty_change:
        effects.extend(await hook(deps, actor_id, view["on_duty"]))
    return view, effects
