"""How sensitive message bodies are stored. The retention area provides the real sealer
(per-case AES-GCM data keys, crypto-shredding); this protocol is what the message path relies on."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Sealer(Protocol):
    async def seal(self, session: AsyncSession, room_id: int, plaintext: str) -> bytes:
        """Encrypt for storage inside the caller's transaction."""
        ...

    async def unseal(self, session: AsyncSession, room_id: int, sealed: bytes) -> str | None:
        """Decrypt, or None when the key is gone (purged): the caller shows body null."""
        ...
