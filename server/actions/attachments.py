"""Files attached to a case: checked (size, allow-listed type sniffed from the bytes), sealed with the case's
data key, announced by a message in the case room, downloaded with a sensitive message's visibility.

Storage choice: the encrypted bytes live in the database (attachments.content_sealed), not in files. One
store means one backup and restore unit, one transaction for the row, its key and its audit, no orphan
files after a crash, and nothing to share between server processes on different hosts; the purge and
crypto-shredding cover attachments exactly as they cover messages. Uploads are capped (10 MB by default),
so the database copes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update

from retention.job import keyring_of
from retention.sniff import UploadRefused, check_upload
from roles import policy
from server.actions.access import access_case, enforce
from server.actions.messages import send_message
from server.deps import Deps
from server.errors import Invalid, NotFound
from server.notify import Effect
from server.storage.facts import load_actor, room_facts
from server.storage.models import Case, Room
from server.storage.models.retention import Attachment

log = logging.getLogger("livehelp.attachments")
NAME_MAX = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")


class TooLarge(Invalid):
    """`invalid`, with HTTP 413 so clients and proxies recognise it."""

    @property
    def status(self) -> int:
        return 413


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    data: bytes


def clean_filename(raw: str | None) -> str:
    """A display name for the file: no path, no control characters, at most NAME_MAX characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".") or "upload"
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_MAX - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:NAME_MAX]
    return name


def attachment_view(att: Attachment, name: str | None) -> dict[str, Any]:
    return {"id": att.id, "name": name, "size": att.size, "content_type": att.content_type,
            "sensitive": att.sensitive, "case_id": att.case_id, "room_id": att.room_id,
            "message_id": att.message_id, "purged": att.purged_at is not None}


async def upload(deps: Deps, actor_id: int, case_id: int, filename: str | None, declared_type: str | None,
                 data: bytes, sensitive: bool | None = None) -> tuple[dict[str, Any], list[Effect]]:
    """Store the file sealed, then post a message referencing it (through the writer, like any chat)."""

    cfg = deps.config.retention.uploads
    if len(data) > cfg.max_size:
        raise TooLarge(f"the file is larger than the {cfg.max_size} byte limit")
    try:
        content_type = check_upload(declared_type, data, cfg.types)
    except UploadRefused as exc:
        raise Invalid(str(exc), field="file") from None
    name = clean_filename(filename)
    sensitive = cfg.sensitive_by_default if sensitive is None else sensitive
    keyring = keyring_of(deps)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        actor = await load_actor(s, actor_id, now)
        case: Case = await access_case(s, case_id)
        room = await s.get(Room, case.room_id)
        assert room is not None
        facts = await room_facts(s, room, actor_id)
        if not policy.can_read_room(actor, facts):
            raise NotFound("no such case")
        decision = policy.can_upload_attachment(actor, facts)
        enforce(decision)
        att = Attachment(case_id=case.id, room_id=room.id, message_id=None, uploader_id=actor_id,
                         name_sealed=await keyring.seal_bytes(s, room.id, name.encode("utf-8"), "name"),
                         content_sealed=await keyring.seal_bytes(s, room.id, data, "file"),
                         size=len(data), content_type=content_type, sensitive=sensitive, created_at=now,
                         purged_at=None)
        s.add(att)
        await s.flush()
        room_id, att_id = room.id, att.id
    view = attachment_view(att, name)
    meta = {"attachment": {"id": att_id, "size": len(data), "content_type": content_type, "sensitive": sensitive}}
    try:
        message, effects = await send_message(deps, actor_id, room_id, name, f"attachment-{att_id}", "chat",
                                              sensitive, meta)
    except Exception:
        async with deps.db.transaction() as s:  # the message was refused: the file goes too
            await s.execute(delete(Attachment).where(Attachment.id == att_id))
        raise
    async with deps.db.transaction() as s:
        await s.execute(update(Attachment).where(Attachment.id == att_id).values(message_id=message["id"])
                        .execution_options(synchronize_session=False))
    view["message_id"] = message["id"]
    log.info("attachment stored", extra={"attachment_id": att_id, "case_id": case_id, "size": len(data),
                                         "content_type": content_type, "by": actor_id})
    return {"attachment": view, "message": message}, effects


async def download(deps: Deps, actor_id: int, attachment_id: int) -> Download:
    """The file, for the requester, the assigned staff and monitors (or anyone in the room if not sensitive)."""
    keyring = keyring_of(deps)
    async with deps.db.read() as s:
        actor = await load_actor(s, actor_id, deps.clock.now())
        att = await s.get(Attachment, attachment_id)
        if att is None:
            raise NotFound("no such attachment")
        room = await s.get(Room, att.room_id)
        assert room is not None
        facts = await room_facts(s, room, actor_id)
        if not policy.can_read_room(actor, facts):
            raise NotFound("no such attachment")
        decision = policy.can_download_attachment(actor, facts, att.sensitive)
        enforce(decision)
        if att.purged_at is not None or att.content_sealed is None or att.name_sealed is None:
            raise NotFound("this file was deleted under the retention policy")
        data = await keyring.unseal_bytes(s, att.room_id, att.content_sealed, "file")
        name = await keyring.unseal_bytes(s, att.room_id, att.name_sealed, "name")
        if data is None or name is None:
            raise NotFound("this file can no longer be read: its case's key was destroyed")
        return Download(name.decode("utf-8"), att.content_type, data)
