"""Fixtures: a FakeClock, a fresh database per test (SQLite file, or PostgreSQL when
LIVEHELP_TEST_DATABASE_URL is set), a real server on a free port, and clients by role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.app import create_app
from server.clock import FakeClock
from server.config import Config
from tests.support import LiveServer, make_config, test_database_url, unique_name

_PG_DATABASES: dict[str, str] = {}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _fresh_postgres(base_url: str) -> str:
    """A uniquely named database per test run (never touching databases we did not create)."""
    if base_url in _PG_DATABASES:
        return _PG_DATABASES[base_url]
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = unique_name("livehelp_test")
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    _PG_DATABASES[base_url] = url.set(database=name).render_as_string(hide_password=False)
    return _PG_DATABASES[base_url]


async def _empty_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        rows = (await conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ))).all()
        if rows:
            names = ", ".join(f'"{r[0]}"' for r in rows)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def database_url(tmp_path: Any) -> str:
    base = test_database_url()
    if base and base.startswith("postgresql"):
        url = await _fresh_postgres(base)
        await _empty_postgres(url)
        return url
    return f"sqlite+aiosqlite:///{tmp_path}/livehelp.db"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module (or with indirect parametrization) to change config.yaml per test."""
    return {}


@pytest.fixture
def config(database_url: str, config_overrides: dict[str, Any]) -> Config:
    return make_config(database_url, config_overrides)


@pytest.fixture
async def start_server(aiohttp_server: Any, clock: FakeClock) -> AsyncIterator[Callable[..., Awaitable[LiveServer]]]:
    """Start a real server (in-process, real port) for a given config; several may run in one test."""
    started: list[LiveServer] = []

    async def start(cfg: Config) -> LiveServer:
        app = create_app(cfg, clock=clock)
        srv = await aiohttp_server(app, shutdown_timeout=1)
        from server.api.common import DEPS

        live = LiveServer(url=str(srv.make_url("")).rstrip("/"), deps=app[DEPS], clock=clock,
                          http=aiohttp.ClientSession())
        started.append(live)
        return live

    yield start
    for live in started:
        await live.close_clients()
        await live.http.close()


@pytest.fixture
async def server(start_server: Callable[..., Awaitable[LiveServer]], config: Config) -> LiveServer:
    return await start_server(config)
