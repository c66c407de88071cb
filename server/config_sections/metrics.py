"""metrics: the Prometheus endpoint (/metrics). Off unless enabled; reachable only from the listed
networks or with the bearer token, because queue sizes and role counts say a lot about a deployment."""

from __future__ import annotations

import ipaddress

from pydantic import field_validator

from server.config_base import Bool, Invalid, Networks, Section, Str


class MetricsConfig(Section):
    enabled: Bool = False
    # Scrapers from these networks need no token (loopback by default: a local Prometheus or agent).
    allow_from: Networks = (
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    # Anyone else must send `Authorization: Bearer <token>`; empty = no token accepted.
    bearer_token: Str = ""

    @field_validator("bearer_token")
    @classmethod
    def _token_length(cls, token: str) -> str:
        if token and len(token) < 16:
            raise Invalid("use at least 16 characters")
        return token
