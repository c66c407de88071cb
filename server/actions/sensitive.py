"""Sensitive messages: automatic sealing by configured patterns, staff marking a message sensitive after
the fact, and the admin's erasure and audit views.

A message matching a pattern (retention.auto_sensitive) is sealed before it is stored, exactly as if the
sender had sent it with "sensitive": true; the sender gets a `notice` saying it was kept private. In a
team or direct room such a message is refused: sensitive content is never posted outside a case room.
Nothing here logs or echoes content; answers name the matched pattern, never the matched text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from retention.detect import sensitive_matches
from retention.erasure import case_line
from retention.erasure import erase_requester as do_erase
from retention.purge import Actor as AuditActor
from roles import policy
from roles.facts import Actor, CaseFacts
from server.actions.access import enforce
from server.clock import iso
from server.deps import Deps
from server.errors import Conflict, Invalid, NotFound
from server.notify import Effect, Emit, account_room
from server.storage.facts import case_facts_by_room, load_actor, load_actors, roles_and_teams, room_facts
from server.storage.models import Account, Message, Room, RoomMember
from server.storage.models.retention import RetentionAudit
from server.views import message_dict, sender_dict

if TYPE_CHECKING:
    from server.message_writer import Written

log = logging.getLogger("livehelp.sensitive")

PATTERN_WORDS = {
    "email": "an e-mail address",
    "card_number": "a card number",
    "trade_id": "a trade id",
    "api_key": "an API key",
    "credential": "a password or secret",
}


def describe(patterns: list[str]) -> str:
    words = [PATTERN_WORDS.get(p, p.replace("_", " ")) for p in patterns]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- automatic sealing (called by server/actions/messages.send_message) ----------------------------


async def auto_sensitive(deps: Deps, room_id: int, body: str) -> list[str]:
    """Pattern names the body matches (empty: ordinary message). Refuses a match outside case rooms."""
    cfg = deps.config.retention
    if not cfg.auto_sensitive:
        return []
    found = sensitive_matches(body, cfg.patterns)
    if not found:
        return []
    async with deps.db.read() as s:
        kind = (await s.execute(select(Room.kind).where(Room.id == room_id))).scalar_one_or_none()
    enforce(policy.can_post_sensitive(kind, describe(found)))  # a missing room: not_found by the writer
    return found


async def first_message_fields(s: Any, deps: Deps, room_id: int, body: str) -> dict[str, Any]:
    """Message columns for a help request's first message, sealed when it matches a pattern (the request
    itself is the moment a requester is most likely to paste an account number or an e-mail address)."""
    cfg = deps.config.retention
    found = sensitive_matches(body, cfg.patterns) if cfg.auto_sensitive else []
    if not found:
        return {"body": body, "body_sealed": None, "sensitive": False, "meta": None}
    return {"body": None, "body_sealed": await deps.sealer.seal(s, room_id, body), "sensitive": True,
            "meta": {"auto_sensitive": found}}


def refuse_sensitive_text(deps: Deps, text: str | None, what: str, field: str | None = None) -> None:
    """For free text that other areas post outside case rooms (escalation notes, flags, room topics):
    refuse a pattern match, naming the kind of data, never the data."""
    cfg = deps.config.retention
    found = sensitive_matches(text, cfg.patterns) if text and cfg.auto_sensitive else []
    if found:
        extra = {"field": field} if field else {}
        raise Invalid(f"{what} looks like it contains {describe(found)}; keep sensitive details in the case "
                      f"room, where they are sealed", **extra)


def kept_private_notice(written: Written, patterns: list[str]) -> Emit:
    """Tell the sender (the requester, usually) that their message was sealed, and who can see it."""
    msg = written.message
    is_requester = written.case is not None and written.case.requester_id == msg.sender_id
    text = (f"Your message looked like it contained {describe(patterns)}, so we kept it private: only you, "
            f"the staff helping you and room monitors can see it." if is_requester else
            f"Your message looked like it contained {describe(patterns)}, so it was sealed as sensitive: "
            f"shadowing trainees and other staff see it hidden.")
    return Emit("notice", {"kind": "auto_sensitive", "room_id": msg.room_id, "message_id": msg.id,
                           "seq": msg.seq, "patterns": patterns, "message": text},
                (account_room(msg.sender_id),))  # type: ignore[arg-type]


# --- marking a message sensitive ------------------------------------------------------------------


async def member_views(deps: Deps, s: Any, msg: Message, full: dict[str, Any], event: str) -> list[Effect]:
    """The message to each member of its room as they may see it: full, body null, or not at all."""

    case = await case_facts_by_room(s, msg.room_id)
    members = dict((await s.execute(select(RoomMember.account_id, RoomMember.role)
                                    .where(RoomMember.room_id == msg.room_id))).all())
    actors = await load_actors(s, list(members), deps.clock.now())
    return emits_by_view(actors.values(), members, case, msg.kind, msg.sensitive, event, full)


def emits_by_view(actors: Iterable[Actor], memberships: Mapping[int, str | None], case: CaseFacts | None,
                  kind: str, sensitive: bool, event: str, full: dict[str, Any], skip_sid: str | None = None
                  ) -> list[Effect]:
    """`event` once to the accounts that may read the message (full) and once with its body null to those
    that may only see it (policy.message_view); the rest get nothing. Sent new and marked sensitive alike."""
    full_to: list[str] = []
    redacted_to: list[str] = []
    for a in actors:
        v = policy.message_view(a, memberships.get(a.id), case, kind, sensitive)
        if v == "full":
            full_to.append(account_room(a.id))
        elif v == "redacted":
            redacted_to.append(account_room(a.id))
    effects: list[Effect] = []
    if full_to:
        effects.append(Emit(event, full, tuple(full_to), skip_sid))
    if redacted_to:
        effects.append(Emit(event, dict(full, body=None), tuple(redacted_to), skip_sid))
    return effects


async def _sender_view(s: Any, msg: Message) -> dict[str, Any] | None:
    if msg.sender_id is None:
        return None
    account = await s.get(Account, msg.sender_id)
    roles, _ = await roles_and_teams(s, [msg.sender_id])
    return sender_dict(account, roles.get(msg.sender_id, frozenset()))


async def mark_sensitive(deps: Deps, actor_id: int, message_id: int) -> tuple[dict[str, Any], list[Effect]]:
    """Seal an existing message's body (assigned staff, monitors) and send everyone their new view."""
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor: Actor = await load_actor(s, actor_id, now)
        msg = await s.get(Message, message_id)
        if msg is None:
            raise NotFound("no such message")
        room = await s.get(Room, msg.room_id)
        assert room is not None
        facts = await room_facts(s, room, actor_id)
        if not policy.can_read_room(actor, facts) or policy.message_view(
                actor, facts.membership, facts.case, msg.kind, False) == "hidden":
            raise NotFound("no such message")
        decision = policy.can_mark_sensitive(actor, facts.case)
        enforce(decision)
        if msg.kind == "system":
            raise Invalid("messages written by the server cannot be marked sensitive")
        if msg.purged:
            raise Conflict("this message was already purged")
        sender = await _sender_view(s, msg)
        if msg.sensitive:  # already sealed: nothing to do, answer as if we had (idempotent)
            body = await deps.sealer.unseal(s, msg.room_id, msg.body_sealed) if msg.body_sealed else None
            return {"message": message_dict(msg, sender, body=body)}, []
        plaintext = msg.body or ""
        sealed = await deps.sealer.seal(s, msg.room_id, plaintext)
        result = await s.execute(
            update(Message).where(Message.id == msg.id, Message.sensitive.is_(False), Message.purged.is_(False))
            .values(sensitive=True, body=None, body_sealed=sealed).execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("the message changed meanwhile; reload it")
        await s.refresh(msg)
        full = message_dict(msg, sender, body=plaintext)
        effects = await member_views(deps, s, msg, full, "message.updated")
    log.info("message marked sensitive", extra={"message_id": msg.id, "room_id": msg.room_id, "by": actor_id})
    return {"message": full}, effects


# --- admin: erasure and audit ---------------------------------------------------------------------


async def erase_requester(deps: Deps, actor_id: int, who: str | int) -> dict[str, Any]:
    """The admin's right-to-erasure action (REST); the shell has `livehelp retention erase`."""

    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        account = await s.get(Account, actor_id)
    decision = policy.can_erase_requester(actor)
    enforce(decision)
    label = (account.username if account is not None and account.username else f"account {actor_id}")
    result = await do_erase(deps, who, AuditActor(actor_id, f"admin:{label}"))
    log.info("requester erased", extra={"requester_id": result.account_id, "by": actor_id,
                                        "cases": len(result.cases)})
    return {"erasure": {**{k: v for k, v in result.total().items() if k != "total"},
                        "case_reports": [case_line(c) for c in result.cases]}}


async def audit_log(deps: Deps, actor_id: int, *, case_id: int | None, limit: int) -> list[dict[str, Any]]:

    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        decision = policy.can_read_retention_audit(actor)
        enforce(decision)
        q = select(RetentionAudit).order_by(RetentionAudit.id.desc()).limit(limit)
        if case_id is not None:
            q = q.where(RetentionAudit.case_id == case_id)
        rows = list((await s.execute(q)).scalars())
    return [{"id": r.id, "at": iso(r.at), "action": r.action, "data_class": r.data_class, "case_id": r.case_id,
             "items": r.items, "actor_id": r.actor_id, "actor": r.actor_label, "subject_id": r.subject_id,
             "detail": r.detail} for r in rows]
