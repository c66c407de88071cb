"""Adapters for services outside livehelp, built here and injected through Deps (domain modules never
open network clients themselves). Today: the on-call pager webhook. SMTP and chat webhooks follow the
same shape: a Protocol in server/deps.py, an implementation here, one line in create_app."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

log = logging.getLogger("livehelp.outbound")


class HttpPager:
    """POSTs a page as JSON; a pager outage is logged, never raised (escalation must not break)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def post(self, url: str, payload: dict[str, Any]) -> None:
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http, http.post(url, json=payload) as r:
                if r.status >= 400:
                    log.warning("pager webhook refused the page",
                                extra={"status": r.status, "case_id": payload.get("case_id")})
        except Exception:  # a pager outage must not break escalation
            log.exception("pager webhook failed", extra={"case_id": payload.get("case_id")})
