"""A Socket.IO client manager that hands a room emit to each socket's send queue without a task each.

python-socketio's AsyncManager.emit encodes the packet once, then creates one asyncio task per recipient
(each only puts the packet on that socket's queue) and waits for them all. Every message fans out to a
room, so that was two or three tasks created, scheduled and collected per message. The puts never wait
(engine.io's queues are unbounded; ours are capped and never block: socket/send_queue.py), so awaiting
them one after another sends the same packets to the same sockets in the same order, without the tasks.
Emits with a callback (an ack id per recipient) keep python-socketio's own path.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

log = logging.getLogger("livehelp.socket")


class DirectEmitManager(socketio.AsyncManager):
    async def emit(self, event: str, data: Any, namespace: str, room: Any = None, skip_sid: Any = None,
                   callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        if callback is not None:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback,
                               to=to, **kwargs)
            return
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *data]).encode()
        pkts = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in (encoded if isinstance(encoded, list) else [encoded])]
        send = self.server._send_eio_packet
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if sid not in skip:
                for p in pkts:
                    try:
                        await send(eio_sid, p)
                    except Exception:  # one socket's failure never keeps the packet from the others
                        log.exception("send to a socket failed", extra={"sid": sid})
