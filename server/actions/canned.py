"""Canned responses: shortcut -> text, managed by admins, used by staff (`canned.list`, `canned.render`).

Placeholders are filled by a plain {name} substitution (never str.format: no attribute access, no
surprises): {requester_name}, {helper_name} (whoever renders it: the person about to send it),
{topic}, {queue}, {case_id}. An unknown placeholder is left as typed, so a typo is visible, not blank.
The defaults in config.yaml (helpdesk.canned) are seeded once, on the first start; after that admins
own the list (a deleted default stays deleted).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roles import policy
from server.actions.access import access_case, enforce
from server.config_sections.helpdesk import SHORTCUT
from server.deps import Deps
from server.errors import Conflict, Invalid, NotFound
from server.storage.facts import load_actor
from server.storage.models import Account
from server.storage.models.helpdesk import CannedResponse, HelpdeskFlag

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
TEXT_MAX = 2000
SEEDED_FLAG = "canned_seeded"


def normalize_shortcut(raw: str) -> str:
    shortcut = raw.strip().lower().lstrip(";/")
    if not SHORTCUT.match(shortcut):
        raise Invalid("shortcut: 1-32 characters of a-z, 0-9, '_', '-'", field="shortcut")
    return shortcut


def _text(raw: str) -> str:
    text = raw.strip()
    if not text or len(text) > TEXT_MAX:
        raise Invalid(f"text: 1-{TEXT_MAX} characters", field="text")
    return text


def canned_dict(c: CannedResponse) -> dict[str, Any]:
    return {"id": c.id, "shortcut": c.shortcut, "text": c.text}


def render_text(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _insert(deps: Deps) -> Any:
    return (postgresql if deps.db.dialect == "postgresql" else sqlite).insert


async def seed_defaults(deps: Deps) -> int:
    """Insert config's default canned responses once per database; returns how many were added."""
    now = deps.clock.now()
    insert = _insert(deps)
    async with deps.db.transaction() as s:
        first = await s.execute(insert(HelpdeskFlag).values(name=SEEDED_FLAG, set_at=now)
                                .on_conflict_do_nothing(index_elements=["name"]))
        if not first.rowcount:  # type: ignore[attr-defined]
            return 0
        added = 0
        for item in deps.config.helpdesk.canned:
            r = await s.execute(insert(CannedResponse).values(
                shortcut=item.shortcut, text=item.text, created_by=None, created_at=now, updated_at=now)
                .on_conflict_do_nothing(index_elements=["shortcut"]))
            added += int(r.rowcount or 0)  # type: ignore[attr-defined]
        return added


async def _all(s: AsyncSession) -> list[dict[str, Any]]:
    rows = (await s.execute(select(CannedResponse).order_by(CannedResponse.shortcut))).scalars()
    return [canned_dict(c) for c in rows]


async def list_for_staff(deps: Deps, actor_id: int) -> list[dict[str, Any]]:
    async with deps.db.read() as s:
        decision = policy.can_use_canned(await load_actor(s, actor_id, deps.clock.now()))
        enforce(decision)
        return await _all(s)


async def list_for_admin(deps: Deps, actor_id: int) -> list[dict[str, Any]]:
    async with deps.db.read() as s:
        await _admin(s, deps, actor_id)
        return await _all(s)


async def _admin(s: AsyncSession, deps: Deps, actor_id: int) -> None:
    decision = policy.can_manage_helpdesk(await load_actor(s, actor_id, deps.clock.now()))
    enforce(decision)


async def save(deps: Deps, actor_id: int, shortcut: str, text: str) -> tuple[dict[str, Any], bool]:
    """Create, or replace the text of, the response with this shortcut; returns (view, created)."""
    shortcut, text = normalize_shortcut(shortcut), _text(text)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        await _admin(s, deps, actor_id)
        r = await s.execute(_insert(deps)(CannedResponse).values(
            shortcut=shortcut, text=text, created_by=actor_id, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["shortcut"]))
        created = bool(r.rowcount)  # type: ignore[attr-defined]
        row = (await s.execute(select(CannedResponse).where(CannedResponse.shortcut == shortcut))).scalar_one()
        if not created:
            row.text = text
            row.updated_at = now
            await s.flush()
        return canned_dict(row), created


async def _by_ref(s: AsyncSession, ref: str) -> CannedResponse:
    """An id (digits) or a shortcut."""
    if ref.isdigit():
        row = await s.get(CannedResponse, int(ref))
    else:
        row = (await s.execute(select(CannedResponse).where(
            CannedResponse.shortcut == ref.strip().lower().lstrip(";/")))).scalar_one_or_none()
    if row is None:
        raise NotFound("no such canned response")
    return row


async def update(deps: Deps, actor_id: int, ref: str, shortcut: str | None, text: str | None) -> dict[str, Any]:
    new_shortcut = normalize_shortcut(shortcut) if shortcut is not None else None
    new_text = _text(text) if text is not None else None
    try:
        async with deps.db.transaction() as s:
            await _admin(s, deps, actor_id)
            row = await _by_ref(s, ref)
            if new_shortcut is not None:
                row.shortcut = new_shortcut
            if new_text is not None:
                row.text = new_text
            row.updated_at = deps.clock.now()
            await s.flush()
            return canned_dict(row)
    except IntegrityError:
        raise Conflict(f"the shortcut {new_shortcut!r} is taken") from None


async def delete(deps: Deps, actor_id: int, ref: str) -> None:
    async with deps.db.transaction() as s:
        await _admin(s, deps, actor_id)
        await s.delete(await _by_ref(s, ref))


async def render(deps: Deps, actor_id: int, shortcut: str, case_id: Any) -> str:
    """canned.render: the text with this case's placeholders filled in, ready to send."""
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        decision = policy.can_use_canned(actor)
        enforce(decision)
        row = await _by_ref(s, normalize_shortcut(shortcut))
        case = await access_case(s, case_id)
        requester = await s.get(Account, case.requester_id)
        me = await s.get(Account, actor_id)
        values = {
            "requester_name": requester.display_name if requester else "there",
            "helper_name": me.display_name if me else "",
            "topic": case.topic,
            "queue": case.queue,
            "case_id": str(case.id),
        }
        return render_text(row.text, values)
