"""How the benchmark starts livehelp and gives each room of three its staff accounts.

Everything that knows livehelp's CLI, REST and room events lives here, so the rest
of bench/ stays a plain Socket.IO load generator shared with the bare server.

Setup is not measured: accounts are created before the server starts (through the
CLI, as an operator would), then each member logs in over REST, one member creates
a team room ``#bench-<run>-<i>`` and the other two join it. Clients then connect
with ``auth={"token": ...}`` and the sender posts ``message.send`` to that room.

The generated config is the repository's config.yaml (so the server runs as shipped)
with these keys changed, where setup or the load would otherwise be refused or slow
for reasons that are not the message path:
- ``auth.argon2_*`` are lowered so that hashing 1,000 passwords takes seconds, and the abuse limits
  (``limits.guests_per_ip`` ...) are lifted: the load comes from one address and few accounts;
- ``limits.events_per_second`` is raised so that saturating senders are not answered
  ``rate_limited`` (the limiter's bookkeeping still runs on every event);
- logging is at WARNING so that per-connection INFO lines do not dominate the CPU.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bench.loadgen import RoomSpec
from bench.protocol import SioClient

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-not-secret"

# Deep-merged over the repository's config.yaml; see the module docstring for why.
BENCH_OVERRIDES: dict[str, Any] = {
    "auth": {"argon2_time_cost": 1, "argon2_memory_kib": 256},
    "limits": {"events_per_second": 100000, "events_burst": 100000, "guests_per_ip": 100000,
               "help_requests_per_account": 100000, "open_cases_per_requester": 1000,
               "account_messages_per_second": 100000, "account_messages_burst": 100000},
    "logging": {"level": "WARNING"},
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def write_bench_config(path: Path, extra: dict[str, Any] | None = None) -> None:
    """The shipped config.yaml plus BENCH_OVERRIDES (database.url comes from the command line)."""
    shipped = REPO / "config.yaml"
    base = yaml.safe_load(shipped.read_text()) if shipped.exists() else {}
    doc = _merge(_merge(base if isinstance(base, dict) else {}, BENCH_OVERRIDES), extra or {})
    header = "# Written by bench/livehelp_setup.py: the repo's config.yaml plus BENCH_OVERRIDES.\n"
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def new_master_key(path: Path) -> str:
    path.write_bytes(base64.b64encode(os.urandom(32)) + b"\n")
    path.chmod(0o600)
    return str(path)


async def fresh_postgres_database(server_url: str) -> tuple[str, Any]:
    """A new, empty database on the server `server_url` names (so runs never meet each other's data
    or master key); returns its URL and a coroutine function that drops it."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(server_url)
    name = f"livehelp_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()

    async def drop() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def cli(*args: str) -> list[str]:
    """The livehelp console script, run from the repo with this interpreter."""
    return [sys.executable, "-m", "server.cli", *args]


class LivehelpTarget:
    """Start ``livehelp serve`` on a temp SQLite file (or --database-url) and prepare rooms."""

    name = "livehelp"

    def __init__(self, database_url: str | None = None, config: str | None = None,
                 redis_url: str | None = None, master_key_file: str | None = None, rooms: str = "team") -> None:
        self.run_id = secrets.token_hex(3)
        self.rooms = rooms  # "team" or "case": see prepare
        self.database_url = database_url
        self.config = config
        # Several processes: they share rooms through this Redis (a channel of this run's own).
        self.redis_url = redis_url
        self.master_key_file = master_key_file
        self.usernames: list[str] = []
        self.notes = SetupNotes()

    # -- before the server starts ---------------------------------------------------
    def before_start(self, tmpdir: Path, n_rooms: int) -> None:
        if self.config is None:
            path = tmpdir / "config.yaml"
            extra: dict[str, Any] = {}
            if self.redis_url:
                extra["server"] = {"redis_url": self.redis_url, "redis_channel": f"bench-{self.run_id}"}
            if self.database_url and not self.database_url.startswith("sqlite"):
                # No key file beside a PostgreSQL database: the run's own master key, in its temp dir.
                if self.master_key_file is None:
                    self.master_key_file = new_master_key(tmpdir / "master.key")
                extra["retention"] = {"master_key_file": self.master_key_file}
            write_bench_config(path, extra)
            self.config = str(path)
        if self.database_url is None:
            self.database_url = f"sqlite+aiosqlite:///{tmpdir}/bench.db"
        self.usernames = [f"bench{self.run_id}-{i:05d}" for i in range(3 * n_rooms)]
        create_accounts(self._common(), self.usernames, tmpdir)

    def _common(self) -> list[str]:
        assert self.config is not None and self.database_url is not None
        return ["--config", self.config, "--database-url", self.database_url]

    def command(self, host: str, port: int, tmpdir: Path) -> list[str]:
        return cli("serve", *self._common(), "--host", host, "--port", str(port))

    # -- once it answers /api/health ------------------------------------------------
    async def prepare(self, base_url: str, n_rooms: int) -> list[RoomSpec]:
        async with aiohttp.ClientSession() as http:
            tokens = await login_all(http, base_url, self.usernames, self.notes)
            sem = asyncio.Semaphore(20)

            async def make_room(i: int) -> RoomSpec:
                members = tokens[3 * i : 3 * i + 3]
                async with sem:
                    if self.rooms == "case":
                        # The third account of the three is not used: the guest takes its place.
                        room_id, guest = await create_case_room(http, base_url, i, members[0], members[1],
                                                                self.notes)
                        return RoomSpec(room_id, {"token": members[0]}, [{"token": guest}, {"token": members[1]}])
                    room_id = await create_and_join(
                        http, base_url, f"#bench-{self.run_id}-{i}", members, self.notes
                    )
                return RoomSpec(room_id, {"token": members[0]}, [{"token": t} for t in members[1:]])

            return list(await asyncio.gather(*(make_room(i) for i in range(n_rooms))))


def create_accounts(common: list[str], usernames: list[str], tmpdir: Path) -> None:
    """Create helper accounts before the server starts, by the fastest path available.

    1. ``livehelp accounts create-many`` if the CLI has it (one "username password" per line);
    2. else this module's ``create-accounts`` helper, which loops over the very function
       ``livehelp accounts create`` calls, in one process;
    3. else one ``livehelp accounts create`` per account (about 1 s each: interpreter start-up).
    """
    listing = tmpdir / "accounts.txt"
    listing.write_text("".join(f"{u} {PASSWORD}\n" for u in usernames))
    help_text = subprocess.run(
        cli("accounts", "--help"), check=False, cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout
    if "create-many" in help_text:
        bulk = cli("accounts", "create-many", "--role", "helper", *common)
    else:
        bulk = [sys.executable, "-m", "bench.livehelp_setup", "create-accounts", "--role", "helper", *common]
    with listing.open() as stdin:
        done = subprocess.run(
            bulk, check=False, cwd=REPO, stdin=stdin, capture_output=True, text=True, timeout=900
        )
    if done.returncode == 0:
        if "create-many" not in help_text and f"created {len(usernames)} accounts" not in done.stdout:
            raise RuntimeError(f"create-accounts did not report {len(usernames)} accounts: {done.stdout!r}")
        return
    if "create-many" in help_text or "ImportError" not in done.stderr:
        raise RuntimeError(f"{' '.join(bulk[1:4])} failed: {done.stderr.strip()[-500:]}")
    print("# bulk account creation unavailable; one CLI call per account (slow)", file=sys.stderr)
    parallel = max(2, (os.cpu_count() or 2) * 2)
    for start in range(0, len(usernames), parallel):
        procs = [
            (
                u,
                subprocess.Popen(
                    cli("accounts", "create", u, "--role", "helper", *common),
                    cwd=REPO,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
            for u in usernames[start : start + parallel]
        ]
        for username, proc in procs:
            _, err = proc.communicate(PASSWORD + "\n", timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"accounts create {username} failed: {err.strip()[-300:]}")


def _create_accounts_main(argv: list[str]) -> int:
    """``python -m bench.livehelp_setup create-accounts``: "username password" lines on stdin.

    Runs the same ``create_account`` action as ``livehelp accounts create`` for every line
    in one process and one schema check, instead of paying interpreter start-up per account.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.livehelp_setup create-accounts")
    parser.add_argument("--role", action="append", default=[], dest="roles")
    parser.add_argument("--config", default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    try:
        from server.actions.accounts import create_account
        from server.commands.base import command_deps, config_from_args
    except ImportError as exc:
        print(f"ImportError: {exc}", file=sys.stderr)
        return 3
    pairs = [line.split(" ", 1) for line in sys.stdin.read().splitlines() if line.strip()]
    config = config_from_args(args)

    async def run() -> None:
        async with command_deps(config) as deps:
            for username, password in pairs:
                await create_account(deps, username, password, roles=args.roles or ["helper"], teams=[])

    asyncio.run(run())
    print(f"created {len(pairs)} accounts")
    return 0


class SetupNotes:
    """Retries the setup needed: the server answering 503/429 during setup is worth reporting."""

    def __init__(self) -> None:
        self.retries = 0
        self.reasons: list[str] = []

    def retry(self, reason: str) -> None:
        self.retries += 1
        if len(self.reasons) < 5:
            self.reasons.append(reason[:300])

    def as_dict(self) -> dict[str, Any]:
        return {"setup_retries": self.retries, "setup_retry_reasons": self.reasons}


RETRIES = 5


async def login_all(
    http: aiohttp.ClientSession, base_url: str, usernames: list[str], notes: SetupNotes
) -> list[str]:
    sem = asyncio.Semaphore(8)

    async def login(username: str) -> str:
        for attempt in range(RETRIES):
            async with (
                sem,
                http.post(
                    base_url + "/api/session", json={"username": username, "password": PASSWORD}
                ) as resp,
            ):
                body: Any = await resp.json()
                if resp.status == 200:
                    return str(body["token"])
                if resp.status not in (429, 503) or attempt == RETRIES - 1:
                    raise RuntimeError(f"login {username}: HTTP {resp.status} {body}")
                notes.retry(f"login: HTTP {resp.status} {body}")
            await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    return list(await asyncio.gather(*(login(u) for u in usernames)))


async def create_and_join(
    http: aiohttp.ClientSession, base_url: str, name: str, tokens: list[str], notes: SetupNotes
) -> Any:
    """First member creates the team room, the others join; returns the room id."""
    clients = [SioClient(http, base_url, {"token": t}) for t in tokens]
    try:
        for c in clients:
            await c.connect()
        created = await _call_retrying(clients[0], "room.create", {"name": name}, notes)
        room_id = created["room"]["id"]
        for c in clients[1:]:
            await _call_retrying(c, "room.join", {"room_id": room_id}, notes)
        return room_id
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def create_case_room(http: aiohttp.ClientSession, base_url: str, i: int, helper: str, shadow: str,
                           notes: SetupNotes) -> tuple[Any, str]:
    """A guest asks for help, `helper` claims the case, `shadow` shadows it; returns the case room's id and
    the guest's token. The load then runs in a case room as a helpdesk's chats do (the writer's session
    path: case facts, first response, last activity), the helper sending to the guest and the shadow."""
    async with http.post(base_url + "/api/guest", json={"display_name": f"Bench guest {i}"}) as resp:
        body: Any = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"guest: HTTP {resp.status} {body}")
    guest = str(body["token"])
    clients = [SioClient(http, base_url, {"token": t}) for t in (guest, helper, shadow)]
    try:
        for c in clients:
            await c.connect()
        asked = await _call_retrying(clients[0], "help.request", {"topic": "general", "body": "bench"}, notes)
        case_id = asked["case"]["id"]
        await _call_retrying(clients[1], "case.claim", {"case_id": case_id}, notes)
        await _call_retrying(clients[2], "case.shadow", {"case_id": case_id}, notes)
        return asked["room"]["id"], guest
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def _call_retrying(client: SioClient, event: str, data: dict[str, Any], notes: SetupNotes) -> Any:
    for attempt in range(RETRIES):
        answer = await client.call(event, data, timeout=30)
        if isinstance(answer, dict) and answer.get("ok"):
            return answer
        code = (answer.get("error") or {}).get("code") if isinstance(answer, dict) else None
        if code not in ("unavailable", "rate_limited") or attempt == RETRIES - 1:
            raise RuntimeError(f"{event} {data}: {answer}")
        notes.retry(f"{event}: {answer}")
        await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


if __name__ == "__main__":
    if sys.argv[1:2] == ["create-accounts"]:
        sys.exit(_create_accounts_main(sys.argv[2:]))
    sys.exit(
        "usage: python -m bench.livehelp_setup create-accounts [--role R] [--config C] [--database-url U]"
    )
