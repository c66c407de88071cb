"""Socket.IO packet decoding that never leaves a client without an answer.

python-socketio decodes each packet with `json.loads`; JSON nested about 1,000 deep raises RecursionError
there and the packet is dropped (no ack), and a frame over the transport's cap closes the socket. Here a
packet's JSON larger than PAYLOAD_MAX_CHARS is not parsed at all, and one too deep to parse becomes
`[event, Undecodable(...)]`, so the dispatcher answers `invalid` on the same connection. Frames larger
than limits.socket_frame_max (engineio's max_http_buffer_size, also aiohttp's websocket max_msg_size; set
in server/app.py) still close the socket: reading them is the cost we refuse to pay.
"""

from __future__ import annotations

import json
from typing import Any

from socketio import packet

from server.socket import json_codec

PAYLOAD_MAX_CHARS = 1_000_000  # the contract's 1 MB: answered `invalid` above it
_decoder = json.JSONDecoder()


class Undecodable:
    """Stands in for a payload that could not be decoded; carries the one-line reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Undecodable({self.reason!r})"


def _event_name(text: str) -> str:
    """The event name at the start of `["name", ...]`, or "" when it cannot be read cheaply."""
    i = text.find("[")
    if i != 0:
        return ""
    try:
        name, _ = _decoder.raw_decode(text, 1)
    except (ValueError, RecursionError):
        return ""
    return name if isinstance(name, str) else ""


class GuardedJson:
    """The `json` module interface python-socketio's Packet uses: json_codec's (orjson) writer, its reader
    with the two guards above."""

    dumps = staticmethod(json_codec.dumps)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        if len(text) > PAYLOAD_MAX_CHARS:
            reason = f"the payload is larger than {PAYLOAD_MAX_CHARS:,} bytes"
        else:
            try:
                return json_codec.loads(text, **kwargs)
            except RecursionError:
                reason = "the payload is nested too deeply"
        return [_event_name(text if isinstance(text, str) else text.decode("utf-8", "replace")), Undecodable(reason)]


class GuardedPacket(packet.Packet):
    json = GuardedJson

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether a packet must go out as binary attachments. Same answer as python-socketio's, which
        runs for every emit and every ack and builds a list at each level of the payload (about 5 % of the
        server's CPU per message in the saturating bench); this one stops at the first bytes found."""
        kind = data.__class__
        if kind is str or kind is int or kind is bool or kind is float or data is None:
            return False
        if kind is dict:
            data = data.values()
        elif kind is not list:
            return _slow_binary(data)
        for item in data:
            k = item.__class__
            if k is str or k is int or k is bool or item is None or k is float:
                continue
            if cls.data_is_binary(item):
                return True
        return False


def _slow_binary(data: Any) -> bool:
    """Anything but a plain dict or list (bytes, subclasses, tuples): python-socketio's own check."""
    return bool(packet.Packet.data_is_binary(data))
