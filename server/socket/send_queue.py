"""A cap on each socket's send queue (issue 13, defect 7).

python-engineio queues every packet for a socket in an unbounded asyncio.Queue that a writer task drains
into the websocket. A client that answers pings but never reads stalls that writer (the TCP window fills)
and the queue grows without bound. Here each socket's queue refuses to hold more than
server.send_queue_max packets: the first packet over the cap drops the backlog and closes the socket (the
client reconnects and `sync`s what it missed). A put never blocks, so one slow client never stalls a
broadcast to the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import engineio
import socketio

log = logging.getLogger("livehelp.socket")


class CappedQueue(asyncio.Queue[Any]):
    """An unbounded-API queue (put never waits) that calls `on_overflow` once when the cap is passed."""

    def __init__(self, cap: int, on_overflow: Callable[[CappedQueue], None]) -> None:
        super().__init__()
        self.cap = cap
        self.overflowed = False
        self._on_overflow = on_overflow

    def put_nowait(self, item: Any) -> None:
        if item is None:  # engine.io's "writer, stop" marker always gets through
            super().put_nowait(item)
            return
        if self.overflowed:
            return
        if self.qsize() >= self.cap:
            self.overflowed = True
            while not self.empty():  # free the backlog now; join() must not wait for it either
                self.get_nowait()
                self.task_done()
            super().put_nowait(None)
            self._on_overflow(self)
            return
        super().put_nowait(item)


class CappedEngineIO(engineio.AsyncServer):
    send_queue_max = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closing: set[asyncio.Future[Any]] = set()
        # python-socketio keeps each engine.io socket's WSGI-style environ (with the aiohttp request).
        self.environ_of: Callable[[str], dict[str, Any] | None] = lambda sid: None

    def create_queue(self, *args: Any, **kwargs: Any) -> asyncio.Queue[Any]:
        if args or kwargs:
            return super().create_queue(*args, **kwargs)
        return CappedQueue(self.send_queue_max, self._overflowed)

    def _overflowed(self, queue: CappedQueue) -> None:
        for sid, sock in list(self.sockets.items()):
            if sock.queue is queue:
                log.warning("send queue over its cap: closing the socket", extra={"sid": sid})
                request = (self.environ_of(sid) or {}).get("aiohttp.request")
                transport = getattr(request, "transport", None)
                if transport is not None:
                    transport.abort()  # unblocks the writer stuck on a full TCP window
                task = asyncio.ensure_future(sock.close(wait=False, abort=True))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
                return


class LivehelpSocketServer(socketio.AsyncServer):
    """python-socketio with capped per-socket send queues."""

    def __init__(self, *args: Any, send_queue_max: int = 1000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eio.send_queue_max = send_queue_max
        self.eio.environ_of = self.environ.get

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return CappedEngineIO
