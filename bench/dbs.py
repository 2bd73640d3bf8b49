"""Throw-away databases for the benchmarks: a migrated SQLite file or a PostgreSQL database.

PostgreSQL comes from TEST_POSTGRES_URL (the test suite's server; default 127.0.0.1, database
`test`); each benchmark creates its own database and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from storage.migrate import upgrade

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def sqlite_db(folder: Path | None = None) -> AsyncIterator[str]:
    """A migrated SQLite file in a temporary folder (or `folder`)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{(folder or Path(tmp)) / 'bench.db'}"
        await upgrade(url)
        yield url


@contextlib.asynccontextmanager
async def postgres_db(tag: str, migrate: bool = True) -> AsyncIterator[str]:
    """A fresh PostgreSQL database `mentorbot_bench_<tag>_<pid>`, dropped on exit."""
    name = f"mentorbot_bench_{tag}_{os.getpid()}"
    admin = await asyncpg.connect(_dsn(PG_URL), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            await upgrade(url)
        yield url
    finally:
        admin = await asyncpg.connect(_dsn(PG_URL), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def database(backend: str, tag: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        async with sqlite_db() as url:
            yield url
    else:
        async with postgres_db(tag) as url:
            yield url


def asyncpg_dsn(url: str) -> str:
    return _dsn(url)
