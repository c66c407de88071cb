"""A minimal Socket.IO v5 / Engine.IO v4 client over aiohttp websockets.

Why not ``socketio.AsyncClient``: it costs 2-3x the client CPU of raw frames, and a
load generator for a thousand clients on a 2-core machine must leave the cores to
the server. This client only speaks what the benchmark needs: the websocket
transport, the default namespace, text events, acks and engine.io ping/pong.

Frames (one engine.io packet per websocket frame):
  server "0{...}" open, client "40{auth}" connect, server "40{sid}" / "44{error}",
  server "2" ping -> client "3" pong, "42[event, data]" events,
  "42<id>[...]" client event wanting an ack, "43<id>[...]" the ack, "41" disconnect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp

EventHandler = Callable[["SioClient", str, Any], None]
AckHandler = Callable[[Any], None]

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class SioError(Exception):
    """The server refused the connection or the connection broke."""


class SioClient:
    """One raw Socket.IO connection; events and acks are dispatched to callbacks.

    Callbacks run inline in the reader task, so they must be quick and never block;
    this keeps a connection to a single task and no futures on the hot path.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        auth: dict[str, Any] | None,
        on_event: EventHandler | None = None,
        on_close: Callable[[SioClient], None] | None = None,
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self._auth = auth
        self.on_event = on_event
        self.on_close = on_close
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._acks: dict[int, AckHandler] = {}
        self._next_id = 0
        self.sid: str | None = None
        self.closing = False
        self.closed = False
        self.bad_frames = 0

    async def connect(self, timeout: float = 10.0) -> None:
        """Open the websocket and join the default namespace; raise SioError if refused."""
        async with asyncio.timeout(timeout):
            self._ws = await self._session.ws_connect(
                self._url, autoping=True, heartbeat=None, compress=0, max_msg_size=0
            )
            first = await self._ws.receive()
            if first.type != aiohttp.WSMsgType.TEXT or not first.data.startswith("0"):
                raise SioError(f"unexpected engine.io open: {first.type} {first.data!r}")
            await self._ws.send_str("40" + (_dumps(self._auth) if self._auth is not None else ""))
            while True:
                msg = await self._ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise SioError(f"connection closed during namespace connect: {msg.type}")
                data: str = msg.data
                if data == "2":
                    await self._ws.send_str("3")
                elif data.startswith("40"):
                    self.sid = json.loads(data[2:]).get("sid") if len(data) > 2 else None
                    break
                elif data.startswith("44"):
                    raise SioError(f"connect refused: {data[2:]}")
                # anything else (e.g. an early event) is ignored before connect
        self._reader = asyncio.create_task(self._read_loop())

    async def emit(self, event: str, data: Any, on_ack: AckHandler | None = None) -> None:
        """Send an event; ``on_ack`` later gets the first ack argument."""
        assert self._ws is not None
        if on_ack is None:
            frame = "42" + _dumps([event, data])
        else:
            ack_id = self._next_id
            self._next_id += 1
            self._acks[ack_id] = on_ack
            frame = "42" + str(ack_id) + _dumps([event, data])
        await self._ws.send_str(frame)

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        """Emit and wait for the ack (setup path, not the hot path)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(value: Any) -> None:
            if not fut.done():
                fut.set_result(value)

        await self.emit(event, data, done)
        async with asyncio.timeout(timeout):
            return await fut

    async def _read_loop(self) -> None:
        ws = self._ws
        assert ws is not None
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data: str = msg.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith(("41", "1")):
                    break
                else:
                    try:
                        self._dispatch(data)
                    except (ValueError, IndexError, KeyError, TypeError):
                        # a frame we cannot read is counted, not fatal: the run reports it
                        self.bad_frames += 1
        except (aiohttp.ClientError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            if self.on_close is not None and not self.closing:
                self.on_close(self)

    def _dispatch(self, data: str) -> None:
        kind = data[:2]
        if kind == "42":
            if self.on_event is not None:
                body = data[2:]
                if body[:1] != "[":  # a server event asking for an ack: not used here
                    body = body[body.index("[") :]
                parsed = json.loads(body)
                self.on_event(self, parsed[0], parsed[1] if len(parsed) > 1 else None)
        elif kind == "43":
            start = data.index("[")
            handler = self._acks.pop(int(data[2:start]), None)
            if handler is not None:
                args = json.loads(data[start:])
                handler(args[0] if args else None)

    @property
    def pending_acks(self) -> int:
        return len(self._acks)

    async def close(self) -> None:
        """Leave the namespace and close the websocket (bounded in time)."""
        self.closing = True
        ws = self._ws
        if ws is not None and not ws.closed:
            try:
                async with asyncio.timeout(3):
                    await ws.send_str("41")
                    await ws.close()
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
