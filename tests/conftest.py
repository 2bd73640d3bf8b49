"""Shared fixtures: every database test runs on a real SQLite file and on a real PostgreSQL.

PostgreSQL comes from TEST_POSTGRES_URL (default: this machine's server, database `test`). Each
xdist worker gets its own database, migrated once with Alembic; tables are emptied after each test.
SQLite tests get a fresh copy of a file migrated once per session. Without PostgreSQL the PG half
is skipped with a clear message, except under CI=true, where it fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes.telegram_api import telegram_api  # noqa: F401  (a shared fixture)
from tests.outbox_helpers import twilio  # noqa: F401  (a shared fixture)

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
KEEP_TABLES = {"lookups", "alembic_version"}
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday
COPENHAGEN = ZoneInfo("Europe/Copenhagen")  # the settings' default programme time zone
T = TypeVar("T")


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when an event loop is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _worker() -> str:
    """Unique per test run and worker, so parallel runs never share a database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.getppid() if worker else os.getpid()
    return f"{run}_{worker or 'main'}"


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _make_pg_database() -> str:
    admin = make_url(PG_URL)
    name = f"mentorbot_test_{_worker()}"
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = admin.set(database=name).render_as_string(hide_password=False)
    await upgrade(url)
    return url


async def _drop_pg_database(url: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        url = run_blocking(_make_pg_database())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL not reachable at {make_url(PG_URL).host}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set TEST_POSTGRES_URL; CI treats this as a failure)")
    yield url
    run_blocking(_drop_pg_database(url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_blocking(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database (lookups seeded) on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "mentorbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    run_blocking(_truncate(url))


async def _truncate(url: str) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for arranging and asserting; commit explicitly where the code under test reads."""
    async with sessions() as s:
        yield s


async def count_rows(session: AsyncSession, table: str) -> int:
    return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
