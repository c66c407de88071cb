"""Wiring of the retention area: the sealer for sensitive content, the purge schedule."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from server.deps import Deps


class InterimSealer:
    """Stores sensitive bodies apart from ordinary ones until retention/ supplies per-case keys."""

    async def seal(self, session: AsyncSession, room_id: int, plaintext: str) -> bytes:
        return plaintext.encode("utf-8")

    async def unseal(self, session: AsyncSession, room_id: int, sealed: bytes) -> str | None:
        return sealed.decode("utf-8")


def make_sealer(deps_config: object) -> InterimSealer:
    return InterimSealer()


def wire(app: web.Application, deps: Deps) -> None:
    return None
