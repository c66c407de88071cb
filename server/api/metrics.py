"""GET /metrics: the Prometheus scrape (server/metrics.py), off unless `metrics.enabled`.

Who may scrape is decided here, not behind the proxy alone: a client address (server/forwarded.py: behind
a trusted proxy, the client it forwards for, not the proxy) in `metrics.allow_from`, or a
request carrying `metrics.bearer_token`. Everyone else gets 403 (404 when the endpoint is off), and the
database is not touched for them.
"""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web

from roles import policy
from server.actions.access import enforce
from server.api.common import bearer, client_ip, deps_of
from server.config_base import Network
from server.metrics import CONTENT_TYPE

routes = web.RouteTableDef()


@routes.get("/metrics")
async def scrape(request: web.Request) -> web.Response:
    deps = deps_of(request)
    cfg = deps.config.metrics
    enforce(policy.can_scrape_metrics(cfg.enabled, _from_allowed_network(client_ip(request), cfg.allow_from),
                                      _has_token(request, cfg.bearer_token)))
    body = await deps.metrics.render(deps)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})


def _from_allowed_network(remote: str | None, networks: tuple[Network, ...]) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:  # a unix socket peer, say: not an address we can place
        return False
    return any(address in net for net in networks)


def _has_token(request: web.Request, token: str) -> bool:
    given = bearer(request)
    return bool(token) and given is not None and hmac.compare_digest(given.encode(), token.encode())
