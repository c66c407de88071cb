"""A livehelp server as a separate process, for restarts, crashes, signals and multi-process tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.support import PASSWORD, REPO, cheap_config_text, master_key_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_test_config(tmp: Path, extra: str = "") -> Path:
    """config.yaml for subprocess servers: the repo's file with cheap password hashing and short pings."""
    text = (REPO / "config.yaml").read_text()
    text = cheap_config_text(text).replace("ping_interval: 25s", "ping_interval: 5s")
    path = tmp / "config.yaml"
    path.write_text(text + extra)
    return path


def cli(args: list[str], config: Path, database_url: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args, "--config", str(config), "--database-url", database_url],
        input=stdin, capture_output=True, text=True, cwd=config.parent, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), **master_key_env(database_url)},
    )


def create_account(config: Path, database_url: str, username: str, roles: list[str]) -> None:
    args = ["accounts", "create", username]
    for r in roles:
        args += ["--role", r]
    result = cli(args, config, database_url, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr


class ProcessServer:
    def __init__(self, config: Path, database_url: str, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = config.parent / f"server-{self.port}.log"

    async def start(self) -> "ProcessServer":
        with self.log.open("ab") as log_file:
            self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--config", str(self.config), "--database-url",
             self.database_url, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.config.parent, stdout=log_file, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO), **master_key_env(self.database_url), **self.env},
            )
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                if self.proc.poll() is not None:
                    raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
                try:
                    async with http.get(self.url + "/api/health") as r:
                        if r.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("server did not become healthy")

    async def astop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Stop without blocking the event loop, so connected test clients can answer the close."""
        return await asyncio.to_thread(self.stop, sig, timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)
