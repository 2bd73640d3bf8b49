"""Pooled PostgreSQL connections: one the server dropped while it sat idle is replaced before
use, so the first request after a database restart does not fail."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import text

from storage.db import IDLE_PING_SECONDS, create_engine
from tests.conftest import PG_URL, _asyncpg_dsn


async def test_postgres_connection_dropped_while_idle_is_replaced_before_use(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            backend = await conn.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(_asyncpg_dsn(PG_URL), timeout=5)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await admin.close()
        await asyncio.sleep(IDLE_PING_SECONDS + 0.2)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != backend
    finally:
        await engine.dispose()
