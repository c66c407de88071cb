"""The shipped deployment files work: nginx accepts deploy/nginx/livehelp.conf (`nginx -t`), a case runs
through it over TLS on two livehelp processes (websocket upgrade, long-polling kept sticky), and
deploy/config.production.yaml is a valid config."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from server.config import config_from_mapping
from server.storage.models import Presence
from tests.deployment.conftest import deployment_config
from tests.process_server import ProcessServer, create_account, free_port
from tests.support import PASSWORD, REPO, Client

SITE = REPO / "deploy" / "nginx" / "livehelp.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs Debian's nginx-light)")


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "help.example.org")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def site_for_test(tmp: Path, backends: list[int], http_port: int, https_port: int) -> Path:
    """The shipped site with only what a test machine must change: ports, certificate, backends.
    Each substitution must match, so the test follows the file rather than a copy of it."""
    text = SITE.read_text()
    cert, key = self_signed(tmp)
    subs = [
        ("    server 127.0.0.1:8081 max_fails=3 fail_timeout=10s;\n    server 127.0.0.1:8082 max_fails=3 fail_timeout=10s;\n",
         "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in backends)),
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("/etc/letsencrypt/live/help.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/help.example.org/privkey.pem", str(key)),
    ]
    for old, new in subs:
        assert text.count(old) == 1, f"deploy/nginx/livehelp.conf changed shape: {old!r}"
        text = text.replace(old, new)
    site = tmp / "livehelp.conf"
    site.write_text(text)
    main = tmp / "nginx.conf"
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(exist_ok=True)
    main.write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
""")
    return main


@needs_nginx
def test_the_shipped_site_passes_nginx_t(tmp_path: Path) -> None:
    main = site_for_test(tmp_path, [8081, 8082], free_port(), free_port())
    done = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_the_production_config_is_valid() -> None:
    base = yaml.safe_load((REPO / "config.yaml").read_text())
    production = yaml.safe_load((REPO / "deploy" / "config.production.yaml").read_text())
    for section, values in production.items():
        base.setdefault(section, {}).update(values)
    cfg = config_from_mapping(base)
    assert cfg.server.redis_url and cfg.database.url.startswith("postgresql")
    # nginx proxies from this machine: its X-Forwarded-For is believed, so per-address limits see clients.
    assert any(ipaddress.ip_address("127.0.0.1") in net for net in cfg.server.trusted_proxies)


def test_every_proxied_location_of_the_site_passes_the_client_address() -> None:
    """server.trusted_proxies reads X-Forwarded-For; nginx must append the client to it wherever it proxies."""
    site = (REPO / "deploy" / "nginx" / "livehelp.conf").read_text()
    locations = re.findall(r"location [^{]*\{([^}]*)\}", site)
    proxied = [body for body in locations if "proxy_pass" in body]
    assert len(proxied) == 2
    for body in proxied:
        assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", body), body


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(backends: list[int]) -> str:
        https_port = free_port()
        main = site_for_test(tmp_path, backends, free_port(), https_port)
        proc = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # errors: error.log
        started.append(proc)
        return f"https://127.0.0.1:{https_port}"

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=10)


class ClientFrom(Client):
    """A client that connects from a chosen loopback address (nginx hashes on it), through TLS with the
    test's self-signed certificate, starting with long-polling so the sticky hash is exercised."""

    def __init__(self, base_url: str, token: str, name: str, source: str) -> None:
        super().__init__(base_url, token, name)
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False, local_addr=(source, 0)))
        handlers = self.sio.handlers
        self.sio = socketio.AsyncClient(reconnection=False, request_timeout=10, http_session=self.http,
                                        ssl_verify=False)
        self.sio.handlers = handlers

    async def connect(self) -> Client:
        await self.sio.connect(self.base_url, auth={"token": self.token}, transports=["polling", "websocket"],
                               wait_timeout=10)
        return self

    async def close(self) -> None:
        await super().close()
        await self.http.close()


async def http_from(source: str, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False, local_addr=(source, 0))) as http, \
            http.request(method, url, json=body) as r:
        assert r.status == 200, await r.text()
        return await r.json()  # type: ignore[no-any-return]


async def server_of(database_url: str, account_id: int) -> set[str]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return set((await conn.execute(select(Presence.server_id).where(Presence.account_id == account_id)))
                       .scalars())
    finally:
        await engine.dispose()


@needs_nginx
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
async def test_a_case_through_nginx_on_two_processes(tmp_path: Path, postgres_url: str, redis_url: str,
                                                    nginx_in_front: Any) -> None:
    config = deployment_config(tmp_path, redis_url, {})
    create_account(config, postgres_url, "alice_helper", ["helper"])
    a, b = ProcessServer(config, postgres_url), ProcessServer(config, postgres_url)
    await a.start()
    await b.start()
    url = nginx_in_front([a.port, b.port])
    clients: list[Client] = []
    try:
        for _ in range(50):  # nginx up
            try:
                await http_from("127.0.0.1", "GET", url + "/api/health", {})
                break
            except (aiohttp.ClientError, AssertionError):
                await asyncio.sleep(0.1)
        guest = await http_from("127.0.0.1", "POST", url + "/api/guest", {"display_name": "Rita"})
        rita = await ClientFrom(url, guest["token"], "rita", "127.0.0.1").connect()
        clients.append(rita)
        rita_server = await server_of(postgres_url, guest["account"]["id"])
        assert len(rita_server) == 1
        # Find an address the hash sends to the other process, and put the helper there.
        session = await http_from("127.0.0.1", "POST", url + "/api/session",
                                  {"username": "alice_helper", "password": PASSWORD})
        alice = None
        for last in range(2, 60):
            candidate = await ClientFrom(url, session["token"], f"alice@127.0.0.{last}", f"127.0.0.{last}").connect()
            if await server_of(postgres_url, session["account"]["id"]) - rita_server:
                alice = candidate
                break
            await candidate.close()
            await asyncio.sleep(0.05)
        assert alice is not None, "nginx sent every address to one process"
        clients.append(alice)

        await alice.ok("duty.set", {"on_duty": True})
        ack = await rita.ok("help.request", {"topic": "general", "body": "Through the proxy"})
        case_id, room_id = ack["case"]["id"], ack["room"]["id"]
        await alice.wait_for("queue.alert", lambda x: x["case"]["id"] == case_id)
        await alice.ok("case.claim", {"case_id": case_id})
        await alice.ok("message.send", {"room_id": room_id, "body": "Hello from the other process", "client_id": "a1"})
        await rita.wait_for("message", lambda m: m.get("body") == "Hello from the other process")
        await rita.ok("message.send", {"room_id": room_id, "body": "Hello back", "client_id": "r1"})
        await alice.wait_for("message", lambda m: m.get("body") == "Hello back")
        assert rita.sio.transport() == "websocket" and alice.sio.transport() == "websocket"  # upgraded via nginx
    finally:
        for c in clients:
            await c.close()
        await a.astop()
        await b.astop()
