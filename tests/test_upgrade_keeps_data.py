"""An installed database keeps its data through an upgrade: built at an earlier revision with a
row in every table (both backends), upgraded to head, every row is still there and the app works.

The earlier revisions are the one before head and the first released one (0001); the rows are
generated from the schema at that revision (tests/upgrade_data.py), so new revisions need no
change here unless they move data on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from alembic.script import ScriptDirectory
from sqlalchemy import select

from core.runtime import Runtime
from mentoring.privacy import erase_person, export_person, purge
from settings import load_settings
from storage.db import create_engine, session_factory, unit_of_work
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base, ErasureLog, Person
from tests.conftest import NOW
from tests.test_migrations import empty_db_url  # noqa: F401  (the fixture)
from tests.upgrade_data import AT, populate, snapshot
from web.app import create_app

RELEASED = "0001"
# Columns a revision removes on purpose, with where their meaning went (the rows stay).
DROPPED_ON_PURPOSE = {
    # 0009: "outside the partnerships" is derived from the partnership's dates (partner_kind).
    "companies": {"outside_partnership"},
}


def earlier_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head())
    previous = head.down_revision if isinstance(head.down_revision, str) else None
    return sorted({r for r in (previous, RELEASED) if r is not None})


@pytest.mark.parametrize("start", earlier_revisions())
async def test_upgrading_an_installed_database_keeps_every_row_and_the_app_works_on_it(
    empty_db_url: str,  # noqa: F811
    start: str,
    tmp_path: Path,
) -> None:
    url = empty_db_url
    await upgrade(url, start)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            counts = await populate(conn)
            before = await snapshot(conn, sorted(counts))
        assert set(counts) >= {"people", "matches", "outbox", "audit_log"}

        await upgrade(url)

        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            after = await snapshot(conn, sorted(counts))
        for name, rows in before.items():
            gone = DROPPED_ON_PURPOSE.get(name, set())
            was = [{k: v for k, v in row.items() if k not in gone} for row in rows]
            kept = [{k: row[k] for k in was[0]} for row in after[name]]
            assert kept == was, f"{name}: rows changed or were lost by the upgrade"

        sessions = session_factory(engine)
        async with sessions() as session:
            for model in Base.registry.mappers:  # every table the app maps reads back
                assert (await session.scalars(select(model.class_))).all() is not None
            exported = await export_person(session, 1)
            assert exported["contact_points"][0]["address"] == "+4512345678"
            if "erasure_log" not in counts:  # the log came later: it lists who was erased
                erased_before = await session.get(ErasureLog, 3)
                assert erased_before is not None and erased_before.erased_at == AT
        async with unit_of_work(sessions) as session:
            await erase_person(session, 1, actor="test", now=NOW)
        async with sessions() as session:
            person = await session.get(Person, 1)
            assert person is not None and person.status == "erased"

        settings = load_settings(data_dir=tmp_path, database_url=url, run_scheduler=False)
        runtime = Runtime.build(settings, clock=lambda: NOW)
        try:
            await purge(runtime)
            async with TestClient(TestServer(create_app(runtime))) as client:
                health = await (await client.get("/healthz")).json()
                assert health["migrations"]["up_to_date"] is True
                assert (await client.get("/login")).status == 200
        finally:
            await runtime.close()
    finally:
        await engine.dispose()
