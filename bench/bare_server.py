"""A bare python-socketio broadcast server: the ceiling livehelp is measured against.

It does what the message path cannot avoid (parse the event, fan it out to the
room, ack the sender) and nothing else: no auth, no storage, no policy. It speaks
the same event names and payload shapes as livehelp so one load generator drives both.

Run: ``python -m bench.bare_server --host 127.0.0.1 --port 8765``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
from typing import Any

import socketio
from aiohttp import web


def create_app() -> web.Application:
    """Build the aiohttp app; the room to join comes from the connect auth ``{"room": ...}``."""
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)
    rooms_of: dict[str, str] = {}
    seqs: dict[str, int] = {}
    ids = itertools.count(1)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/api/health", health)

    async def connect(sid: str, _environ: dict[str, Any], auth: Any) -> bool:
        room = auth.get("room") if isinstance(auth, dict) else None
        if not isinstance(room, str) or not room:
            return False
        rooms_of[sid] = room
        await sio.enter_room(sid, "room:" + room)
        return True

    async def disconnect(sid: str, *_args: Any) -> None:
        rooms_of.pop(sid, None)

    async def message_send(sid: str, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or not isinstance(data.get("body"), str):
            return {"ok": False, "error": {"code": "invalid", "message": "body is required"}}
        room = rooms_of.get(sid)
        if room is None or data.get("room_id") != room:
            return {"ok": False, "error": {"code": "forbidden", "message": "not in that room"}}
        seq = seqs.get(room, 0) + 1
        seqs[room] = seq
        message = {
            "id": next(ids),
            "room_id": room,
            "seq": seq,
            "client_id": data.get("client_id"),
            "sender": {"id": sid, "display_name": sid, "roles": ["helper"]},
            "kind": "chat",
            "body": data["body"],
            "sensitive": False,
            "purged": False,
            "created_at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        }
        await sio.emit("message", message, room="room:" + room, skip_sid=sid)
        return {"ok": True, "message": message}

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)
    sio.on("message.send", message_send)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--gc",
        choices=("tuned", "default", "off"),
        default="tuned",
        help="tuned: as `livehelp serve` does (freeze start-up objects, thresholds 20000/20/50); "
        "default: the interpreter's settings; off: no collector",
    )
    args = parser.parse_args(argv)
    app = create_app()
    if args.gc == "tuned":
        app.on_startup.append(_tune_gc)
    elif args.gc == "off":
        gc.disable()
    web.run_app(app, host=args.host, port=args.port, print=None, shutdown_timeout=2)


async def _tune_gc(_app: web.Application) -> None:
    """The same collector settings as livehelp's serve, so the ratio measures livehelp's own work."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


if __name__ == "__main__":
    main()
