"""Per-address limits behind a reverse proxy: X-Forwarded-For names the client only when the peer is one of
server.trusted_proxies (the right-most address there not itself trusted); from anyone else it is ignored.
The test server listens on 127.0.0.1, so trusting 127.0.0.1 makes the test client a proxy."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from server.config import ConfigError
from server.forwarded import client_address
from tests.support import PASSWORD, LiveServer, make_config

LIMITS = {"guests_per_ip": 3, "guest_window": "1m",
          "login_failures_per_account": 5, "login_failures_per_ip": 3, "login_window": "15m"}
UNTRUSTED = {"server": {"trusted_proxies": ["10.0.0.0/8"]}, "limits": LIMITS}  # the test client is not 10.x
TRUSTED = {"server": {"trusted_proxies": ["127.0.0.1"]}, "limits": LIMITS}
ALICE, BRUNO = "198.51.100.7", "203.0.113.9"  # two clients behind the proxy


async def guest(server: LiveServer, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with server.http.post(server.url + "/api/guest", json={"display_name": "Guest"}, headers=headers) as r:
        await r.read()
        return r.status


async def login(server: LiveServer, username: str, password: str, forwarded_for: str) -> int:
    async with server.http.post(server.url + "/api/session", json={"username": username, "password": password},
                                headers={"X-Forwarded-For": forwarded_for}) as r:
        await r.read()
        return r.status


@pytest.mark.parametrize("config_overrides", [{"limits": LIMITS}, UNTRUSTED], ids=["no proxies", "another proxy"])
async def test_a_forwarded_for_from_an_untrusted_peer_is_ignored(server: LiveServer) -> None:
    # Each request claims another client; the server counts them all against the real peer.
    codes = [await guest(server, f"192.0.2.{i}") for i in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]
    assert await guest(server, None) == 429, "the peer itself is out of guests"


@pytest.mark.parametrize("config_overrides", [TRUSTED])
async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_guest_limit(server: LiveServer) -> None:
    assert [await guest(server, ALICE) for _ in range(4)] == [200, 200, 200, 429]
    # Alice writing another address herself: the proxy appends hers, and only the right-most counts.
    assert await guest(server, f"{BRUNO}, {ALICE}") == 429
    # Bruno, behind the same proxy, still has his own three.
    assert [await guest(server, BRUNO) for _ in range(3)] == [200, 200, 200]
    assert await guest(server, BRUNO) == 429
    # Through a second trusted hop (127.0.0.1 again): the client is the right-most address not trusted.
    assert await guest(server, "192.0.2.50, 127.0.0.1") == 200
    assert server.clock is not None
    server.clock.advance(seconds=61)
    assert await guest(server, ALICE) == 200, "the window ended"


@pytest.mark.parametrize("config_overrides", [TRUSTED])
async def test_behind_a_trusted_proxy_failed_logins_lock_only_that_client(server: LiveServer) -> None:
    await server.create_account("alice_helper", ["helper"])
    for i in range(3):  # three names, one try each: no account reaches its own limit
        assert await login(server, f"nobody{i}", "wrong password", ALICE) == 401
    assert await login(server, "alice_helper", PASSWORD, ALICE) == 429, "Alice's address is locked"
    assert await login(server, "alice_helper", PASSWORD, BRUNO) == 200, "Bruno's is not"


def test_client_address_reads_from_the_right_and_only_from_trusted_peers() -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    assert client_address("192.0.2.1", ["198.51.100.7"], proxies) == "192.0.2.1"  # not a proxy: header ignored
    assert client_address("10.0.0.2", [], proxies) == "10.0.0.2"  # a proxy's own request
    assert client_address("10.0.0.2", ["1.1.1.1, 198.51.100.7, 10.0.0.9"], proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", ["1.1.1.1", "198.51.100.7"], proxies) == "198.51.100.7"  # two header lines
    assert client_address("10.0.0.2", ["10.0.0.5, 10.0.0.9"], proxies) == "10.0.0.5"  # all trusted: the farthest
    assert client_address("10.0.0.2", ["garbage, 10.0.0.9"], proxies) == "10.0.0.9"  # unreadable: nearest hop
    assert client_address("::ffff:10.0.0.2", ["198.51.100.7"], proxies) == "198.51.100.7"  # dual-stack peer
    assert client_address("fd00::1", ["[2001:db8::5]"], proxies) == "2001:db8::5"
    assert client_address("10.0.0.2", ["198.51.100.7"], ()) == "10.0.0.2"  # nothing trusted
    assert client_address(None, ["198.51.100.7"], proxies) == ""


def test_trusted_proxies_must_be_addresses_or_networks(database_url: str) -> None:
    assert make_config(database_url, {"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8", "::1"]}})
    with pytest.raises(ConfigError, match=r"server\.trusted_proxies.*not-a-proxy"):
        make_config(database_url, {"server": {"trusted_proxies": ["not-a-proxy"]}})
    bad: Any = {"server": {"trusted_proxies": [8080]}}
    with pytest.raises(ConfigError, match=r"server\.trusted_proxies"):
        make_config(database_url, bad)
