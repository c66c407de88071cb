"""Load-generator worker process: holds a share of the rooms and drives their phases.

Each room of three (one sender, two receivers) lives wholly in one worker, so the
send time and the delivery time come from the same monotonic clock and a delivery
is matched to its send by ``client_id`` in a local dict; no cross-process clock skew.

The orchestrator (bench.run) talks to a worker over a Pipe with small commands:
("connect", rooms) -> ("connected", info); ("phase", params) -> ("phase", stats);
("close",) -> ("closed", info). Every wait is bounded in time.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from bench.protocol import SioClient, SioError

CONNECT_CONCURRENCY = 20
ACK_TIMEOUT_S = 10.0


@dataclass
class RoomSpec:
    """What a worker needs to connect one room: its id and each member's connect auth."""

    room_id: Any
    sender_auth: dict[str, Any]
    receiver_auths: list[dict[str, Any]]


@dataclass
class PhaseParams:
    name: str
    mode: str  # "paced" | "saturate"
    start_wall: float  # time.time() at which every worker starts, so windows line up
    duration: float
    rate_per_sender: float = 1.0  # paced: messages/s per sender
    window: int = 1  # saturate: messages in flight per sender
    drain: float = 10.0  # how long to wait after the window for late acks and deliveries
    body_size: int = 64
    max_outstanding: int = 50  # paced: a sender skips a tick rather than pile up without bound


@dataclass
class PhaseStats:
    name: str
    window_start_ns: int = 0
    window_end_ns: int = 0
    sent: int = 0
    send_failures: int = 0
    skipped: int = 0
    acked: int = 0
    acked_in_window: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: dict[str, str] = field(default_factory=dict)  # code -> first message seen
    timeouts: int = 0
    deliveries: int = 0
    deliveries_in_window: int = 0
    expected_deliveries: int = 0
    lost: int = 0
    duplicates: int = 0
    unexpected: int = 0
    echoes: int = 0
    seq_gaps: int = 0
    disconnects: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    ack_latencies_ns: list[int] = field(default_factory=list)


class Room:
    """Connected clients of one room plus per-receiver ordering state."""

    __slots__ = ("last_seq", "mask", "outstanding", "receivers", "sender", "spec")

    def __init__(self, spec: RoomSpec) -> None:
        self.spec = spec
        self.sender: SioClient | None = None
        self.receivers: list[SioClient] = []
        self.mask = 0  # one bit per connected receiver, by its index in the spec
        self.last_seq: list[int | None] = [None] * len(spec.receiver_auths)
        self.outstanding = 0


class Worker:
    """Runs in its own process; all state is touched only from its event loop."""

    def __init__(self, index: int, base_url: str | list[str]) -> None:
        self.index = index
        # Several server processes (bench --processes): clients go to them in turn, as a load balancer
        # without room affinity would send them, so a room's members sit on different processes.
        self.base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self.base_url = self.base_urls[0]
        self._next_url = index
        self.rooms: list[Room] = []
        self.pending: dict[str, list[Any]] = {}  # client_id -> [t_send_ns, receiver mask, acked]
        self.stats: PhaseStats | None = None
        self.counter = 0
        self.disconnects = 0
        self.stray = 0
        self.session: aiohttp.ClientSession | None = None
        self._bodies: dict[int, str] = {}

    # -- connections -------------------------------------------------------------
    async def connect(self, specs: list[RoomSpec]) -> dict[str, Any]:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self.session = aiohttp.ClientSession(connector=connector)
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
        failures: list[str] = []
        started = time.perf_counter()

        async def one(auth: dict[str, Any], on_event: Any) -> SioClient | None:
            assert self.session is not None
            url = self.base_urls[self._next_url % len(self.base_urls)]
            self._next_url += 1
            client = SioClient(self.session, url, auth, on_event, self._on_close)
            async with sem:
                for attempt in range(3):
                    try:
                        await client.connect(timeout=15)
                        return client
                    except (SioError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                        if attempt == 2:
                            failures.append(f"{type(exc).__name__}: {exc}"[:200])
                        else:
                            await asyncio.sleep(0.5 * (attempt + 1))
                            client = SioClient(self.session, url, auth, on_event, self._on_close)
            return None

        async def room_up(spec: RoomSpec) -> None:
            room = Room(spec)
            receivers = await asyncio.gather(
                *(one(auth, self._receiver_handler(room, i)) for i, auth in enumerate(spec.receiver_auths))
            )
            room.receivers = [r for r in receivers if r is not None]
            room.mask = sum(1 << i for i, r in enumerate(receivers) if r is not None)
            room.sender = await one(spec.sender_auth, self._on_sender_event)
            self.rooms.append(room)

        await asyncio.gather(*(room_up(s) for s in specs))
        connected = sum(len(r.receivers) + (r.sender is not None) for r in self.rooms)
        # long-lived client state: keep the collector from rescanning it under load
        gc.collect()
        gc.freeze()
        return {
            "connected": connected,
            "failed": len(failures),
            "failures": failures[:5],
            "seconds": time.perf_counter() - started,
        }

    def _on_close(self, _client: SioClient) -> None:
        self.disconnects += 1
        if self.stats is not None:
            self.stats.disconnects += 1

    async def close(self) -> dict[str, Any]:
        clients = [c for r in self.rooms for c in ([r.sender] if r.sender else []) + r.receivers]
        for i in range(0, len(clients), 100):
            await asyncio.gather(*(c.close() for c in clients[i : i + 100]))
        if self.session is not None:
            await self.session.close()
        return {
            "disconnects": self.disconnects,
            "stray": self.stray,
            "bad_frames": sum(c.bad_frames for c in clients),
        }

    # -- event handlers (hot path: keep them small) -------------------------------
    def _on_sender_event(self, _client: SioClient, event: str, _data: Any) -> None:
        if event == "message" and self.stats is not None:
            self.stats.echoes += 1

    def _receiver_handler(self, room: Room, ridx: int) -> Any:
        bit = 1 << ridx
        perf = time.perf_counter_ns

        def handler(_client: SioClient, event: str, data: Any) -> None:
            if event != "message":
                return
            now = perf()
            st = self.stats
            if st is None or not isinstance(data, dict):
                self.stray += 1
                return
            seq = data.get("seq")
            last = room.last_seq[ridx]
            if last is not None and isinstance(seq, int) and seq != last + 1:
                st.seq_gaps += 1
            if isinstance(seq, int):
                room.last_seq[ridx] = seq
            entry = self.pending.get(data.get("client_id"))  # type: ignore[arg-type]
            if entry is None:
                st.unexpected += 1
                return
            if not entry[1] & bit:
                st.duplicates += 1
                return
            entry[1] &= ~bit
            st.deliveries += 1
            if now <= st.window_end_ns:
                st.deliveries_in_window += 1
            st.latencies_ns.append(now - entry[0])
            if entry[1] == 0 and entry[2]:
                del self.pending[data["client_id"]]

        return handler

    def _on_ack(
        self, room: Room, cid: str, t_send: int, res: Any, waiter: asyncio.Future[None] | None
    ) -> None:
        now = time.perf_counter_ns()
        room.outstanding -= 1
        st = self.stats
        if st is not None:
            entry = self.pending.get(cid)
            if isinstance(res, dict) and res.get("ok") is True:
                st.acked += 1
                if now <= st.window_end_ns:
                    st.acked_in_window += 1
                st.ack_latencies_ns.append(now - t_send)
                if entry is not None:
                    entry[2] = True
                    if entry[1] == 0:
                        del self.pending[cid]
            else:
                err = res.get("error") if isinstance(res, dict) else None
                code = str(err.get("code")) if isinstance(err, dict) else "malformed_ack"
                st.errors[code] = st.errors.get(code, 0) + 1
                if code not in st.error_samples:
                    st.error_samples[code] = str(err.get("message") if isinstance(err, dict) else res)[:200]
                self.pending.pop(cid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- sending -----------------------------------------------------------------
    def _body(self, size: int) -> str:
        """Plain words, no digits: livehelp refuses what looks like a card number in a team room."""
        body = self._bodies.get(size)
        if body is None:
            words = "could you help me with the exercise on loops please i am stuck at step three "
            body = (words * (size // len(words) + 1))[:size].strip() or "hello"
            self._bodies[size] = body
        return body

    async def _send(self, room: Room, st: PhaseStats, size: int, waiter: asyncio.Future[None] | None) -> bool:
        assert room.sender is not None
        self.counter += 1
        cid = f"b{self.index}-{self.counter}"
        mask = room.mask
        t_send = time.perf_counter_ns()
        self.pending[cid] = [t_send, mask, False]
        room.outstanding += 1
        st.sent += 1
        st.expected_deliveries += len(room.receivers)
        try:
            await room.sender.emit(
                "message.send",
                {"room_id": room.spec.room_id, "body": self._body(size), "client_id": cid},
                lambda res: self._on_ack(room, cid, t_send, res, waiter),
            )
        except (aiohttp.ClientError, ConnectionError, RuntimeError, AssertionError):
            st.send_failures += 1
            room.outstanding -= 1
            self.pending.pop(cid, None)
            return False
        return True

    async def _paced_sender(self, room: Room, p: PhaseParams, st: PhaseStats) -> None:
        interval_ns = int(1e9 / p.rate_per_sender)
        t = st.window_start_ns + random.randrange(interval_ns)
        while t < st.window_end_ns:
            delay = (t - time.perf_counter_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            if room.sender is None or room.sender.closed:
                return
            if room.outstanding >= p.max_outstanding:
                st.skipped += 1
            else:
                await self._send(room, st, p.body_size, None)
            t += interval_ns

    async def _saturating_slot(self, room: Room, p: PhaseParams, st: PhaseStats) -> None:
        loop = asyncio.get_running_loop()
        delay = (st.window_start_ns - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        while time.perf_counter_ns() < st.window_end_ns:
            if room.sender is None or room.sender.closed:
                return
            waiter: asyncio.Future[None] = loop.create_future()
            if not await self._send(room, st, p.body_size, waiter):
                return
            try:
                await asyncio.wait_for(waiter, ACK_TIMEOUT_S)
            except TimeoutError:
                return  # counted as a timeout at the end of the phase

    async def phase(self, p: PhaseParams) -> dict[str, Any]:
        offset_ns = int((p.start_wall - time.time()) * 1e9)
        st = PhaseStats(name=p.name)
        st.window_start_ns = time.perf_counter_ns() + offset_ns
        st.window_end_ns = st.window_start_ns + int(p.duration * 1e9)
        self.pending.clear()
        self.stats = st
        rooms = [r for r in self.rooms if r.sender is not None]
        if p.mode == "paced":
            tasks = [self._paced_sender(r, p, st) for r in rooms]
        else:
            tasks = [self._saturating_slot(r, p, st) for r in rooms for _ in range(p.window)]
        await asyncio.gather(*tasks)
        # drain: late acks and deliveries still count for latency and loss, not for rates
        deadline = time.perf_counter() + p.drain
        while self.pending and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        for entry in self.pending.values():
            if entry[2]:
                st.lost += entry[1].bit_count()
            else:
                st.timeouts += 1
                # deliveries of a never-acked message are not owed; drop them from expectations
                st.expected_deliveries -= entry[1].bit_count()
        self.pending.clear()
        self.stats = None
        out = dict(st.__dict__)
        out["worker"] = self.index
        return out


async def _serve(conn: Connection, index: int, base_url: str | list[str]) -> None:
    worker = Worker(index, base_url)
    loop = asyncio.get_running_loop()
    while True:
        cmd = await loop.run_in_executor(None, conn.recv)
        kind = cmd[0]
        if kind == "connect":
            conn.send(("connected", await worker.connect(cmd[1])))
        elif kind == "phase":
            conn.send(("phase", await worker.phase(cmd[1])))
        elif kind == "close":
            conn.send(("closed", await worker.close()))
            return
        else:
            conn.send(("error", f"unknown command {kind!r}"))


def worker_main(conn: Connection, index: int, base_url: str | list[str]) -> None:
    """Process entry point (must be importable for the 'spawn' start method)."""
    try:
        asyncio.run(_serve(conn, index, base_url))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        conn.close()
