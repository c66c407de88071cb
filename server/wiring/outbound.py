"""Adapters for services outside livehelp, built here and injected through Deps (domain modules never
open network clients themselves). Today: the on-call pager webhook. SMTP and chat webhooks follow the
same shape: a Protocol in server/deps.py, an implementation here, one line in create_app."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import aiohttp
import aiosmtplib

from server.config_sections.alerts import SmtpConfig

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


class Outbound:
    """The real OutboundClient: SMTP through aiosmtplib, HTTP through aiohttp. Raises on any failure
    (a refused status too) so the outbox records the error and retries with backoff."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_mail(self, message: EmailMessage, smtp: SmtpConfig) -> None:
        await aiosmtplib.send(
            message, hostname=smtp.host, port=smtp.port, username=smtp.username or None,
            password=smtp.password or None, use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls", timeout=smtp.timeout)

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        async with aiohttp.ClientSession(timeout=self.timeout) as http, http.request(method, url, data=body, headers=headers) as r:
            if r.status >= 300:
                raise RuntimeError(f"HTTP {r.status} from the receiver")
