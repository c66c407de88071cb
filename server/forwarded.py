"""Who the client is behind a reverse proxy, for per-address limits.

X-Forwarded-For is written by whoever sent the request, so only the entries appended by proxies we run
can be believed. A proxy appends the address it saw to the right; reading from the right, past our own
trusted proxies, the first address that is not one of them is the client. Everything left of it may be
forged and is never read. From a peer that is not a trusted proxy the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from server.config_base import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's ::ffff:10.0.0.1 is 10.0.0.1
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in net for net in proxies)


def client_address(peer: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's own, unless the peer is a trusted proxy; then the right-most
    X-Forwarded-For entry that is not a trusted proxy. An entry that is not an address stops the walk
    (left of a trusted hop only the client writes): the nearest hop that could be read stands for it."""
    address = _address(peer) if peer else None
    if address is None:
        return peer or ""  # a unix socket peer, say: nothing to resolve
    if not proxies or not _trusted(address, proxies):
        return str(address)
    entries = [e for line in forwarded_for for e in line.split(",") if e.strip()]
    for entry in reversed(entries):
        hop = _address(entry)
        if hop is None:
            break
        address = hop
        if not _trusted(hop, proxies):
            break
    return str(address)
