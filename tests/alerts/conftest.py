"""A real local SMTP server (aiosmtpd) and a local HTTP receiver (aiohttp) for the outbound tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"

    async def wait(self, count: int = 1, timeout: float = 5) -> list[Message]:
        for _ in range(int(timeout / 0.05)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer with, one per request, before answering 200.
    fail_with: list[int] = field(default_factory=list)

    async def wait(self, count: int = 1, timeout: float = 5) -> list[Received]:
        for _ in range(int(timeout / 0.05)):
            if len(self.requests) >= count:
                return self.requests
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.requests)}")


@pytest.fixture
async def receiver(aiohttp_server: Any) -> AsyncIterator[Receiver]:
    rec = Receiver(url="")

    async def handle(request: web.Request) -> web.Response:
        rec.requests.append(Received(request.method, request.raw_path, dict(request.headers), await request.read()))
        if rec.fail_with:
            return web.Response(status=rec.fail_with.pop(0))
        return web.json_response({"event_id": "$x"} if request.method == "PUT" else {"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    srv = await aiohttp_server(app, shutdown_timeout=1)
    rec.url = str(srv.make_url("")).rstrip("/")
    yield rec
