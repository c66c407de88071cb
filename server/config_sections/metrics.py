"""metrics: the Prometheus endpoint (/metrics). Off unless enabled; reachable only from the listed
networks or with the bearer token, because queue sizes and role counts say a lot about a deployment."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from server.config_reader import ConfigError, Reader

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = False
    # Scrapers from these networks need no token (loopback by default: a local Prometheus or agent).
    allow_from: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    # Anyone else must send `Authorization: Bearer <token>`; empty = no token accepted.
    bearer_token: str = ""

    @classmethod
    def parse(cls, r: Reader) -> MetricsConfig:
        d = cls()
        nets: list[Network] = []
        for raw in r.str_list("allow_from", [str(n) for n in d.allow_from]):
            try:
                nets.append(ipaddress.ip_network(raw, strict=False))
            except ValueError:
                raise ConfigError(f"config key '{r.key('allow_from')}': {raw!r} is not an address or network "
                                  "like 10.0.0.0/8") from None
        token = r.str("bearer_token", d.bearer_token)
        if token and len(token) < 16:
            raise ConfigError(f"config key '{r.key('bearer_token')}': use at least 16 characters")
        cfg = cls(enabled=r.bool("enabled", d.enabled), allow_from=tuple(nets), bearer_token=token)
        r.done()
        return cfg
