"""Master key and per-case data keys (envelope encryption, crypto-shredding).

Rule: sensitive content is sealed with AES-256-GCM under a random data key per case room; each data key
is stored in the database only wrapped (AES-GCM) by the master key, and the master key never enters the
database. Destroying a case's wrapped data key makes every copy of that case's ciphertext unreadable,
wherever it lingers (freed pages, dead PostgreSQL tuples, WAL, replicas, later backups).

The master key comes from $LIVEHELP_MASTER_KEY (base64 of 32 bytes), or from the file named by
retention.master_key_file; with neither on the embedded SQLite default, the first start creates
`<database name>-master.key` (mode 0600) beside the database and logs a WARNING to back it up. A row in
retention_master holds a key-check value, so a wrong or swapped key refuses the start instead of
silently failing to read (or, worse, sealing new data under a second key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import Clock, SystemClock
from server.config_base import ConfigError
from server.storage.db import sqlite_path
from server.storage.models.retention import CaseKey, RetentionMaster

if TYPE_CHECKING:
    from server.config import Config
    from server.storage.db import Database

log = logging.getLogger("livehelp.retention.keys")

ENV_VAR = "LIVEHELP_MASTER_KEY"
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT = 1  # first byte of every sealed value
_HEADER = struct.Struct(">BI")  # format, data key version
_CHECK_TEXT = b"livehelp master key check v1"
_SESSION_CACHE = "livehelp.retention.data_keys"


def generate_key() -> str:
    """A new master key, base64 (what `livehelp keys generate` prints)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_key(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"{where}: expected the base64 of {KEY_BYTES} random bytes "
                          f"(make one with `livehelp keys generate`)")
    return raw


def key_id(key: bytes) -> str:
    """A public fingerprint of the master key: tells operators which key a database expects."""
    return hashlib.sha256(b"livehelp key id\0" + key).hexdigest()[:16]


@dataclass(frozen=True)
class KeyPlan:
    """Where the master key comes from, decided from config and environment at start (no I/O on the DB)."""

    source: str  # env | file | auto-file | ephemeral | missing
    key: bytes | None = None
    path: Path | None = None


def plan_master_key(config: Config, environ: dict[str, str] | None = None) -> KeyPlan:
    """Resolve the configured key now, so a missing or malformed one refuses the start with one line."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return KeyPlan("env", decode_key(env[ENV_VAR], f"${ENV_VAR}"))
    configured = config.retention.master_key_file
    if configured:
        path = Path(configured)
        if not path.is_absolute():
            path = Path(config.base_dir) / path
        if not path.exists():
            raise ConfigError(f"config key 'retention.master_key_file': {path} does not exist; restore the key file "
                              f"from your key backup (a new key cannot open data sealed with the old one)")
        _warn_if_readable_by_others(path)
        return KeyPlan("file", decode_key(path.read_text(encoding="ascii", errors="replace"), str(path)), path)
    db_file = sqlite_path(config.database.url)
    if db_file is not None:
        db_file = db_file if db_file.is_absolute() else Path.cwd() / db_file
        path = db_file.with_name(f"{db_file.stem}-master.key")
        if path.exists():
            _warn_if_readable_by_others(path)
            return KeyPlan("auto-file", decode_key(path.read_text(encoding="ascii", errors="replace"), str(path)), path)
        return KeyPlan("auto-file", None, path)
    if config.database.url.startswith("sqlite"):
        return KeyPlan("ephemeral")  # in-memory SQLite: data and key die together
    return KeyPlan("missing")


def _warn_if_readable_by_others(path: Path) -> None:
    try:
        if path.stat().st_mode & 0o077:
            log.warning("the master key file is readable by other users; run chmod 600 on it",
                        extra={"path": str(path)})
    except OSError:
        pass


def replace_key_file(path: Path, key: bytes) -> None:
    """Write key into path (mode 0600) in one step: written aside, fsynced, then renamed over the old file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(base64.b64encode(key).decode("ascii") + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _create_key_file(path: Path) -> bytes:
    """Create the key file with mode 0600. Written aside, then hard-linked into place: the file appears
    whole or not at all, and of two processes starting at once the second adopts the first one's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = generate_key()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return decode_key(path.read_text(encoding="ascii", errors="replace"), str(path))
    finally:
        tmp.unlink(missing_ok=True)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    key = decode_key(text, str(path))
    log.warning(
        "created a new master key file for sensitive data: BACK IT UP NOW, apart from the database backups. "
        "Without it sealed messages and attachments cannot be read, and the server refuses to start.",
        extra={"path": str(path), "key_id": key_id(key)},
    )
    return key


def _aad(kind: str, room_id: int, version: int) -> bytes:
    return f"livehelp:{kind}:room:{room_id}:v{version}".encode("ascii")


class Keyring:
    """The real Sealer: per-case data keys wrapped by the master key, opened once per process."""

    def __init__(self, plan: KeyPlan, clock: Clock | None = None) -> None:
        self.plan = plan
        self.clock: Clock = clock or SystemClock()
        self._master: AESGCM | None = AESGCM(plan.key) if plan.key else None
        self._key_id = key_id(plan.key) if plan.key else None
        self._opened = False

    @property
    def key_id(self) -> str | None:
        return self._key_id

    # --- opening: the key check ----------------------------------------------------------------------

    async def open(self, db: Database) -> None:
        """Check (or record) the key against the database; ConfigError when it does not fit."""
        if self._opened:
            return
        async with db.transaction() as s:
            await self._open_in(s)

    async def _open_in(self, s: AsyncSession) -> None:
        row = (await s.execute(select(RetentionMaster).where(RetentionMaster.id == 1))).scalar_one_or_none()
        if self._master is None:
            if self.plan.source == "auto-file" and self.plan.path is not None:
                if row is not None:
                    raise ConfigError(
                        f"the database holds data sealed with master key {row.key_id}, but its key file "
                        f"{self.plan.path} is missing; restore it from your key backup")
                key = _create_key_file(self.plan.path)
            elif self.plan.source == "ephemeral":
                key = secrets.token_bytes(KEY_BYTES)
            else:
                raise ConfigError(f"no master key for sensitive data: set ${ENV_VAR} or retention.master_key_file "
                                  f"(make one with `livehelp keys generate`)")
            self._master, self._key_id = AESGCM(key), key_id(key)
        assert self._master is not None and self._key_id is not None
        if row is None:
            nonce = secrets.token_bytes(NONCE_BYTES)
            check = nonce + self._master.encrypt(nonce, _CHECK_TEXT, b"livehelp:key-check")
            dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
            await s.execute(dialect.insert(RetentionMaster).values(
                id=1, key_id=self._key_id, key_check=check, created_at=self.clock.now(),
            ).on_conflict_do_nothing(index_elements=["id"]))
            row = (await s.execute(select(RetentionMaster).where(RetentionMaster.id == 1))).scalar_one()
        if not self._check(row.key_check):
            raise ConfigError(
                f"the master key ({self._describe()}, key id {self._key_id}) does not open this database's sealed "
                f"data (it was sealed with key id {row.key_id}); configure the key this database was created with")
        self._opened = True
        log.info("master key opened", extra={"key_id": self._key_id, "source": self.plan.source})

    def _check(self, value: bytes) -> bool:
        assert self._master is not None
        try:
            return self._master.decrypt(value[:NONCE_BYTES], value[NONCE_BYTES:], b"livehelp:key-check") == _CHECK_TEXT
        except (InvalidTag, ValueError):
            return False

    def _describe(self) -> str:
        if self.plan.source == "env":
            return f"${ENV_VAR}"
        return str(self.plan.path) if self.plan.path else self.plan.source

    # --- data keys -----------------------------------------------------------------------------------

    def _wrap(self, room_id: int, version: int, data_key: bytes) -> bytes:
        assert self._master is not None
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, data_key, _aad("datakey", room_id, version))

    def _unwrap(self, room_id: int, version: int, wrapped: bytes) -> bytes | None:
        assert self._master is not None
        try:
            return self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _aad("datakey", room_id, version))
        except (InvalidTag, ValueError):
            log.warning("a data key does not open with the master key", extra={"room_id": room_id})
            return None

    async def _data_key(self, s: AsyncSession, room_id: int, *, create: bool) -> tuple[AESGCM, int] | None:
        if not self._opened:
            await self._open_in(s)
        cache: dict[int, tuple[AESGCM, int]] = s.info.setdefault(_SESSION_CACHE, {})
        if room_id in cache:
            return cache[room_id]
        row = (await s.execute(select(CaseKey).where(CaseKey.room_id == room_id))).scalar_one_or_none()
        if (row is None or row.wrapped_key is None) and create:
            now = self.clock.now()
            if row is None:
                dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
                await s.execute(dialect.insert(CaseKey).values(
                    room_id=room_id, version=1, wrapped_key=self._wrap(room_id, 1, secrets.token_bytes(KEY_BYTES)),
                    created_at=now, destroyed_at=None,
                ).on_conflict_do_nothing(index_elements=["room_id"]))
            else:  # destroyed earlier (purged, then the case reopened): a fresh key, a new version
                version = row.version + 1
                await s.execute(update(CaseKey).where(CaseKey.room_id == room_id, CaseKey.wrapped_key.is_(None))
                                .values(version=version, created_at=now, destroyed_at=None,
                                        wrapped_key=self._wrap(room_id, version, secrets.token_bytes(KEY_BYTES)))
                                .execution_options(synchronize_session=False))
            row = (await s.execute(select(CaseKey).where(CaseKey.room_id == room_id)
                                   .execution_options(populate_existing=True))).scalar_one_or_none()
        if row is None or row.wrapped_key is None:
            return None
        raw = self._unwrap(room_id, row.version, row.wrapped_key)
        if raw is None:
            return None
        cache[room_id] = (AESGCM(raw), row.version)
        return cache[room_id]

    async def destroy(self, s: AsyncSession, room_id: int) -> bool:
        """Crypto-shred a case: drop its wrapped data key. True when a live key was destroyed."""
        s.info.get(_SESSION_CACHE, {}).pop(room_id, None)
        result = await s.execute(
            update(CaseKey).where(CaseKey.room_id == room_id, CaseKey.wrapped_key.is_not(None))
            .values(wrapped_key=None, destroyed_at=self.clock.now())
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- rotation ------------------------------------------------------------------------------------

    async def rotate(self, s: AsyncSession, new_key: bytes) -> int:
        """Re-wrap every live data key, and the key check, under new_key in the caller's transaction:
        it commits whole or not at all. Sealed messages and attachments are not touched (they are sealed
        with the data keys, which do not change), so rotation costs one row per live case key. Destroyed
        keys stay destroyed. Returns how many data keys were re-wrapped. Every server must be stopped: a
        running one would go on wrapping new data keys under the old master key."""
        if not self._opened:
            await self._open_in(s)
        assert self._master is not None and self._key_id is not None
        if key_id(new_key) == self._key_id:
            raise ConfigError("the new master key is the current one; make a new key with `livehelp keys generate`")
        new = AESGCM(new_key)
        rows = (await s.execute(select(CaseKey.room_id, CaseKey.version, CaseKey.wrapped_key)
                                .where(CaseKey.wrapped_key.is_not(None)).with_for_update())).all()
        for room_id, version, wrapped in rows:
            raw = self._unwrap(room_id, version, wrapped) if wrapped is not None else None
            if raw is None:
                raise ConfigError(f"the data key of room {room_id} does not open with the current master key; "
                                  f"nothing was changed")
            nonce = secrets.token_bytes(NONCE_BYTES)
            await s.execute(update(CaseKey).where(CaseKey.room_id == room_id, CaseKey.version == version)
                            .values(wrapped_key=nonce + new.encrypt(nonce, raw, _aad("datakey", room_id, version)))
                            .execution_options(synchronize_session=False))
        nonce = secrets.token_bytes(NONCE_BYTES)
        await s.execute(update(RetentionMaster).where(RetentionMaster.id == 1).values(
            key_id=key_id(new_key), key_check=nonce + new.encrypt(nonce, _CHECK_TEXT, b"livehelp:key-check"),
            created_at=self.clock.now()).execution_options(synchronize_session=False))
        s.info.pop(_SESSION_CACHE, None)
        self._master, self._key_id = new, key_id(new_key)
        return len(rows)

    # --- sealing -------------------------------------------------------------------------------------

    async def seal_bytes(self, s: AsyncSession, room_id: int, data: bytes, kind: str = "file") -> bytes:
        found = await self._data_key(s, room_id, create=True)
        if found is None:
            raise RuntimeError("no data key could be made for this room")
        aes, version = found
        nonce = secrets.token_bytes(NONCE_BYTES)
        return _HEADER.pack(FORMAT, version) + nonce + aes.encrypt(nonce, data, _aad(kind, room_id, version))

    async def unseal_bytes(self, s: AsyncSession, room_id: int, sealed: bytes, kind: str = "file") -> bytes | None:
        """The plaintext, or None when the key is gone (shredded) or the value does not open."""
        if len(sealed) < _HEADER.size + NONCE_BYTES + 16:
            return None
        fmt, version = _HEADER.unpack_from(sealed)
        if fmt != FORMAT:
            return None
        found = await self._data_key(s, room_id, create=False)
        if found is None or found[1] != version:
            return None
        body = sealed[_HEADER.size:]
        try:
            return found[0].decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(kind, room_id, version))
        except InvalidTag:
            log.warning("sealed content does not open with its case key", extra={"room_id": room_id})
            return None

    async def seal(self, session: AsyncSession, room_id: int, plaintext: str) -> bytes:
        return await self.seal_bytes(session, room_id, plaintext.encode("utf-8"), "text")

    async def unseal(self, session: AsyncSession, room_id: int, sealed: bytes) -> str | None:
        raw = await self.unseal_bytes(session, room_id, sealed, "text")
        return raw.decode("utf-8") if raw is not None else None
