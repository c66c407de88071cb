"""Personal escalation: signs of distress or of quitting in a requester's message alert staff at once.

Every requester chat message in a case room is matched (after_message hook, after the message is
stored; help.request runs the hooks for the request's first message too) against
escalation.personal_escalation.patterns: case-insensitive, whole words only, `*` continues a word with
letters, a space matches any whitespace, an ASCII apostrophe also matches the typographic one. A match sends `alert`
{"kind": "personal_escalation", ...} with the message text and the case link to the configured audience
(default every on-duty monitor and every admin) and leaves a staff-only note in the case; the requester
never sees anything of it. False positives ("stop" in "where do I stop the server") are accepted on
purpose. Staff raise the same alert by hand with case.flag. A flag row records each alert without
copying the requester's text (only the message id), so purging the case purges it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import select

from roles import policy
from roles.facts import STAFF_ROLES
from server.actions import alerts
from server.actions.access import access_case, enforce, facts_of
from server.actions.case_notes import display_name, post_note
from server.actions.sensitive import refuse_sensitive_text
from server.clock import iso
from server.deps import Deps
from server.message_writer import Written
from server.notify import Effect
from server.storage import audiences
from server.storage.facts import load_actor
from server.storage.models import Account, RoomMember
from server.storage.models.escalation import CaseFlag

log = logging.getLogger("livehelp.distress")
KIND = "personal_escalation"
_KEY = "escalation.distress_matcher"


class Matcher:
    """All patterns compiled into one regex; `match` answers the first phrase found, or None."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        parts = [f"(?:{pattern_regex(p)})" for p in patterns if p.strip()]
        self.regex = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def match(self, text: str | None) -> str | None:
        if not text or self.regex is None:
            return None
        found = self.regex.search(text.replace("\u2019", "'"))
        return found.group(0).lower() if found else None


def pattern_regex(pattern: str) -> str:
    """'give up' -> give, whitespace, up as whole words; 'suicid*' -> suicid + any letters, as a whole word
    (so an identifier such as suicidal_tendencies in code does not match)."""
    words = pattern.strip().replace("\u2019", "'").split()
    body = r"\s+".join(re.escape(w).replace(r"\*", r"[^\W\d_]*") for w in words)
    return rf"(?<!\w){body}(?!\w)"


def matcher(deps: Deps) -> Matcher:
    if deps.distress_matcher is None:
        deps.distress_matcher = Matcher(deps.config.escalation.personal_escalation.patterns)
    return deps.distress_matcher


async def after_message(deps: Deps, w: Written) -> list[Effect]:
    """after_message hook: requester chat in a case room only; the regex runs before any I/O."""
    cfg = deps.config.escalation.personal_escalation
    c = w.case
    if (not cfg.enabled or c is None or w.duplicate or w.room_kind != "case" or w.message.kind != "chat"
            or w.message.sender_id != c.requester_id or w.sender_roles & STAFF_ROLES):
        return []
    matched = matcher(deps).match(w.plaintext)
    if matched is None:
        return []
    now = deps.clock.now()
    sensitive = bool(w.message.sensitive)
    async with deps.db.transaction() as s:
        flag = CaseFlag(case_id=c.id, kind=KIND, source="auto", message_id=w.message.id, matched=matched[:64],
                        raised_by=None, note=None, created_at=now)
        s.add(flag)
        await s.flush()
        case = await access_case(s, c.id)
        requester = await s.get(Account, c.requester_id)
        text = None if sensitive else w.plaintext
        said = f'"{text}"' if text is not None else "a sensitive message"
        payload = {
            "kind": KIND, "flag_id": flag.id, "source": "auto", "case_id": c.id, "room_id": case.room_id,
            "message_id": w.message.id, "text": text, "sensitive": sensitive, "matched": matched,
            "requester": {"id": c.requester_id, "display_name": requester.display_name if requester else None},
            "message": f"The requester wrote {said}: it matched \u201c{matched}\u201d.",
            "case_link": deps.config.escalation.link(c.id), "created_at": iso(now),
        }
        targets = await audiences.resolve(s, cfg.notify, now, case_id=c.id)
        raised = await alerts.raise_alert(s, deps, payload, targets, now)
        note = await post_note(s, case.room_id, None,
                               f"Possible personal escalation (matched \u201c{matched}\u201d); alerted: {raised.who}"
                               f"{_chain_text(raised)}.", now,
                               {"event": KIND, "flag_id": flag.id, "source": "auto", "recipients": raised.recipients})
    if not targets:
        log.warning("personal escalation reached nobody now", extra={"case_id": c.id})
    log.info("personal escalation", extra={"case_id": c.id, "source": "auto", "flag_id": flag.id})
    return [note, *raised.effects]


def _chain_text(raised: alerts.Raised) -> str:
    return "; it escalates further unless someone acknowledges it" if raised.chain_id is not None else ""


async def flag_case(deps: Deps, actor_id: int, case_id: Any, note: str) -> tuple[dict[str, Any], list[Effect]]:
    """case.flag by hand: any staff in the case raises a personal escalation with a note."""
    cfg = deps.config.escalation.personal_escalation
    refuse_sensitive_text(deps, note, "the flag note", field="note")  # it goes out in alerts
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case = await access_case(s, case_id)
        facts = await facts_of(s, case)
        membership = (await s.execute(select(RoomMember.role).where(
            RoomMember.room_id == case.room_id, RoomMember.account_id == actor_id))).scalar_one_or_none()
        decision = policy.can_flag_case(actor, facts, membership)
        enforce(decision)
        flag = CaseFlag(case_id=case.id, kind=KIND, source="manual", message_id=None, matched=None,
                        raised_by=actor_id, note=note.strip(), created_at=now)
        s.add(flag)
        await s.flush()
        by = await display_name(s, actor_id)
        requester = await s.get(Account, case.requester_id)
        payload = {
            "kind": KIND, "flag_id": flag.id, "source": "manual", "case_id": case.id, "room_id": case.room_id,
            "note": flag.note, "by": {"id": actor_id, "display_name": by},
            "requester": {"id": case.requester_id, "display_name": requester.display_name if requester else None},
            "message": flag.note, "case_link": deps.config.escalation.link(case.id), "created_at": iso(now),
        }
        targets = await audiences.resolve(s, cfg.notify, now, case_id=case.id)
        raised = await alerts.raise_alert(s, deps, payload, targets - {actor_id}, now)
        effects: list[Effect] = [await post_note(
            s, case.room_id, actor_id, f"Personal escalation raised: {flag.note} (alerted: {raised.who}"
            f"{_chain_text(raised)})", now,
            {"event": KIND, "flag_id": flag.id, "source": "manual", "recipients": raised.recipients})]
    log.info("personal escalation", extra={"case_id": case.id, "source": "manual", "flag_id": flag.id})
    return payload, effects + raised.effects
