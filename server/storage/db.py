"""Engine, sessions and schema upgrade.

SQLite runs in WAL mode with foreign keys, a busy timeout, full sync (an acknowledged message survives a
crash; group commit pays the fsync once per batch) and secure_delete (freed pages hold no plaintext).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from server.config import DatabaseConfig
from server.storage.sqlite_one_hop import one_hop_dbapi

log = logging.getLogger("livehelp.db")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# pg_advisory_xact_lock key held while one process migrates ("livehelp" in ASCII, as a bigint).
MIGRATION_LOCK_KEY = 0x6C69766568656C70


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=10000",
        "PRAGMA synchronous=FULL",
        "PRAGMA secure_delete=ON",
    ):
        cur.execute(pragma)
    cur.close()


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _private_file(path: Path) -> None:
    """The database holds password and token hashes: create it 0600 (SQLite gives its -wal and -shm files
    the database file's mode) and tighten a file an older version left readable by others."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if f.exists() and f.stat().st_mode & 0o077:
            f.chmod(0o600)


def build_engine(cfg: DatabaseConfig) -> AsyncEngine:
    url = make_url(cfg.url)
    kwargs: dict[str, Any] = {"echo": cfg.echo}
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(cfg.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            _private_file(path)
        if url.get_driver_name() == "aiosqlite":
            kwargs["module"] = one_hop_dbapi()  # one worker-thread hop per statement, not four
    else:
        kwargs.update(pool_size=cfg.pool_size, max_overflow=cfg.pool_size * 2, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """The engine and a session factory; one per process, made in create_app."""

    def __init__(self, cfg: DatabaseConfig) -> None:
        self.cfg = cfg
        self.engine = build_engine(cfg)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.dialect = self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def upgrade(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision.

        On PostgreSQL a transaction-level advisory lock comes first: the processes of a deployment start
        together (livehelp.target), and only one may migrate; the others wait, then find the schema at head."""
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            await conn.run_sync(_run_alembic_upgrade)

    async def close(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Any = None) -> Any:

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _run_alembic_upgrade(sync_conn: Any) -> None:

    command.upgrade(alembic_config(sync_conn), "head")
