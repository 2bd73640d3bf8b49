"""Alembic owns the schema: every revision upgrades and downgrades, and models match migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import alembic_config, current_revision, downgrade, upgrade
from storage.models import Base
from tests.conftest import PG_URL, _asyncpg_dsn, _worker


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/empty.db"
        return
    request.getfixturevalue("pg_url")  # skips or fails clearly without PostgreSQL
    name = f"mentorbot_migrations_{_worker()}"
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_db_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_db_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    engine = create_engine(empty_db_url)
    try:
        for index, revision in enumerate(revisions):
            previous = revisions[index - 1] if index else "base"
            await upgrade(empty_db_url, revision)
            assert await current_revision(engine) == revision
            await downgrade(empty_db_url, previous)
            assert await current_revision(engine) == (None if previous == "base" else previous)
            await upgrade(empty_db_url, revision)
        assert await _tables(engine) >= set(Base.metadata.tables)
        await downgrade(empty_db_url, "base")
        assert await _tables(engine) <= {"alembic_version"}
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_drift(empty_db_url: str) -> None:
    await upgrade(empty_db_url)
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == [], (
        "models and migrations differ; add a revision with "
        f"`python -m storage.revision '...'`: {diff}"
    )


async def test_lookup_data_is_seeded_by_the_migration(engine: AsyncEngine) -> None:
    from sqlalchemy import text

    async with engine.connect() as conn:
        kinds = dict(
            (await conn.execute(text("SELECT kind, count(*) FROM lookups GROUP BY kind"))).all()
        )
    assert kinds["target_group"] == 4
    assert kinds["outcome"] == 7
    assert kinds["job_kind"] == 6
