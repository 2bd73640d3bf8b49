"""Alembic, driven from our settings: upgrade on start, state for /healthz, drift check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


class NewerDatabase(Exception):
    """The database was upgraded by a newer version of the code; this one must not touch it."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # None: no schema yet
    head: str | None
    newer_than_code: bool  # the database is at a revision this code does not know

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {r.revision for r in script.walk_revisions()}


async def schema_state(engine: AsyncEngine) -> SchemaState:
    current = await current_revision(engine)
    newer = current is not None and current not in known_revisions()
    return SchemaState(current, head_revision(), newer)


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to `revision`; refuses a database newer than this code, which
    Alembic would otherwise answer with a bare "Can't locate revision"."""
    engine = create_engine(url)
    try:
        state = await schema_state(engine)
    finally:
        await engine.dispose()
    if state.newer_than_code:
        raise NewerDatabase(
            f"the database is at revision {state.current}, newer than this code (which knows up "
            f"to {state.head}): install the version that upgraded it, or restore a backup"
        )
    # Alembic's env.py runs its own event loop; keep it off ours.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )
