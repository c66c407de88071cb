"""GuardedPacket.data_is_binary (the fast check run for every emit and ack) answers exactly as
python-socketio's own: a wrong False would send bytes as JSON, a wrong True would send an ordinary
message as a binary packet the browser client does not expect."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from socketio import packet

from server.socket.frames import GuardedPacket

_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5) | \
    st.binary(max_size=3) | st.builds(bytearray, st.binary(max_size=3))
_payloads = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    | st.tuples(inner, inner),
    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(_payloads)
def test_same_answer_as_python_socketio(data: Any) -> None:
    assert GuardedPacket.data_is_binary(data) == packet.Packet.data_is_binary(data)


def test_a_message_with_bytes_deep_inside_is_binary_and_encodes_as_attachments() -> None:
    data = ["message", {"id": 1, "sender": {"roles": ["helper"]}, "meta": {"blob": [1, b"\x00\x01"]}}]
    pkt = GuardedPacket(packet.EVENT, data=data, namespace="/")
    assert pkt.packet_type == packet.BINARY_EVENT
    encoded = pkt.encode()
    assert isinstance(encoded, list) and encoded[1:] == [b"\x00\x01"]  # header, then the one attachment
    plain = GuardedPacket(packet.EVENT, data=["message", {"id": 1, "body": "hi"}], namespace="/")
    assert plain.packet_type == packet.EVENT
