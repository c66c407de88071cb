"""Turn rows into the contract's JSON objects. The only place that shapes what clients see."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.clock import iso
from server.storage.models import Account, Case, Message, Room

if TYPE_CHECKING:
    from server.message_writer import StoredMessage


def person(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.id, "display_name": account.display_name}


def account_dict(account: Account, roles: list[str] | tuple[str, ...], teams: list[str] | tuple[str, ...],
                 on_duty: bool | None = None) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "roles": sorted(roles),
        "teams": sorted(teams),
        "on_duty": account.on_duty if on_duty is None else on_duty,
        "is_guest": account.is_guest,
    }


def sender_dict(account: Account | None, roles: list[str] | tuple[str, ...] | frozenset[str]) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.id, "display_name": account.display_name, "roles": sorted(roles)}


def message_dict(msg: Message | StoredMessage, sender: dict[str, Any] | None, *, body: str | None,
                 redacted: bool = False) -> dict[str, Any]:
    """`body` is the plaintext to show (already unsealed for sensitive messages)."""
    out = {
        "id": msg.id,
        "room_id": msg.room_id,
        "seq": msg.seq,
        "client_id": msg.client_id,
        "sender": sender,
        "kind": msg.kind,
        "body": None if (redacted or msg.purged) else body,
        "sensitive": msg.sensitive,
        "purged": msg.purged,
        "created_at": iso(msg.created_at),
    }
    if msg.meta:
        out["meta"] = msg.meta
    return out


def room_dict(room: Room, *, membership: str | None = None) -> dict[str, Any]:
    return {
        "id": room.id,
        "kind": room.kind,
        "name": room.name,
        "topic": room.topic,
        "last_seq": room.last_seq,
        "membership": membership,
        "created_at": iso(room.created_at),
    }


def case_dict(case: Case, people: dict[int, Account]) -> dict[str, Any]:
    def p(account_id: int | None) -> dict[str, Any] | None:
        return person(people.get(account_id)) if account_id is not None else None

    return {
        "id": case.id,
        "room_id": case.room_id,
        "status": case.status,
        "topic": case.topic,
        "queue": case.queue,
        "requester": p(case.requester_id),
        "helper": p(case.helper_id),
        "trainee": p(case.trainee_id),
        "monitor": p(case.monitor_id),
        "priority": case.priority,
        "route": case.route,
        "summary": case.summary,
        "created_at": iso(case.created_at),
        "claimed_at": iso(case.claimed_at),
        "first_response_at": iso(case.first_response_at),
        "on_hold_since": iso(case.on_hold_since),
        "closed_at": iso(case.closed_at),
        # escalation: expert teams asked in, [{"team", "status": "requested" | "responded", ...}]
        "experts": case.experts or [],
    }
