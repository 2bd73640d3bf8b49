"""Backup and restore on both databases: a round trip keeps every row, a restore never overwrites
data by accident, and a person erased after the backup stays erased after the restore."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.privacy import erase_person
from ops.backup import BackupError, backup, restore
from storage.db import create_engine, session_factory, unit_of_work
from storage.migrate import head_revision, upgrade
from storage.models import AuditEntry, ContactPoint, ErasureLog, Person
from tests.conftest import NOW, PG_URL, _asyncpg_dsn, _worker
from tests.upgrade_data import populate, reflect, snapshot


async def _pg_database(name: str, drop: bool = False) -> str:
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
async def urls(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """Two new databases on one backend: the source (migrated) and an empty target."""
    if request.param == "sqlite":
        pair = (f"sqlite+aiosqlite:///{tmp_path}/live.db", f"sqlite+aiosqlite:///{tmp_path}/new.db")
    else:
        request.getfixturevalue("pg_url")  # skips or fails clearly without PostgreSQL
        names = [f"mentorbot_backup_{_worker()}_{i}" for i in (1, 2)]
        pair = (await _pg_database(names[0]), await _pg_database(names[1]))
    await upgrade(pair[0])
    yield pair
    if request.param == "postgres":
        for name in names:
            await _pg_database(name, drop=True)


async def _filled(url: str) -> dict[str, list[dict[str, object]]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await populate(conn)
        return await _everything(engine)
    finally:
        await engine.dispose()


async def _everything(engine: AsyncEngine) -> dict[str, list[dict[str, object]]]:
    async with engine.connect() as conn:
        meta = await conn.run_sync(reflect)
        return await snapshot(conn, sorted(meta.tables))


async def _rows(url: str) -> dict[str, list[dict[str, object]]]:
    engine = create_engine(url)
    try:
        return await _everything(engine)
    finally:
        await engine.dispose()


async def test_a_backup_restored_into_an_empty_database_has_every_row(
    urls: tuple[str, str], tmp_path: Path
) -> None:
    live, new = urls
    before = await _filled(live)
    file = tmp_path / "backups" / "mentorbot.backup"

    await backup(live, file)
    assert file.stat().st_mode & 0o077 == 0  # personal data: the owner only
    done = await restore(new, file)

    assert done.revision == head_revision() and done.erasures_reapplied == 0
    after = await _rows(new)
    assert after == before
    assert all(after[name] for name in after), "every table holds a row"


async def test_restore_refuses_a_database_with_data_unless_forced(
    urls: tuple[str, str], tmp_path: Path
) -> None:
    live, _ = urls
    await _filled(live)
    file = tmp_path / "mentorbot.backup"
    await backup(live, file)

    with pytest.raises(BackupError, match="the database is not empty: restore into a new"):
        await restore(live, file)
    done = await restore(live, file, force=True)
    assert done.revision == head_revision()


async def test_a_person_erased_after_the_backup_stays_erased_after_a_restore(
    urls: tuple[str, str], tmp_path: Path
) -> None:
    live, _ = urls
    await _filled(live)
    file = tmp_path / "mentorbot.backup"
    await backup(live, file)  # Mille (person 1) is in it, with her phone number
    engine = create_engine(live)
    sessions = session_factory(engine)
    try:
        async with unit_of_work(sessions) as session:
            await erase_person(session, 1, actor="person:1", now=NOW)
    finally:
        await engine.dispose()

    done = await restore(live, file, force=True)

    assert done.erasures_reapplied == 1
    engine = create_engine(live)
    try:
        async with session_factory(engine)() as session:
            mille = await session.get(Person, 1)
            assert mille is not None and mille.status == "erased" and mille.first_name is None
            phones = await session.scalar(
                select(func.count()).select_from(ContactPoint).where(ContactPoint.person_id == 1)
            )
            assert phones == 0
            logged = await session.get(ErasureLog, 1)
            assert logged is not None and logged.erased_at == NOW
            mentor = await session.get(Person, 2)
            assert mentor is not None and mentor.first_name == "Jonas"
    finally:
        await engine.dispose()


async def test_a_sqlite_backup_is_consistent_while_the_app_keeps_writing(tmp_path: Path) -> None:
    live = f"sqlite+aiosqlite:///{tmp_path}/live.db"
    await upgrade(live)
    engine = create_engine(live)
    sessions = session_factory(engine)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            async with unit_of_work(sessions) as session:
                row = {"actor": "test", "action": "write", "at": NOW, "details": {}}
                await session.execute(insert(AuditEntry), [row] * 20)
            written += 20
            await asyncio.sleep(0)
        return written

    writer = asyncio.create_task(keep_writing())
    try:
        counts = []
        for i in range(3):
            file = tmp_path / f"b{i}.backup"
            await backup(live, file)
            with closing(sqlite3.connect(file)) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                (count,) = db.execute("SELECT count(*) FROM audit_log").fetchone()
            assert count % 20 == 0  # whole transactions only
            counts.append(count)
    finally:
        stop.set()
        written = await writer
        await engine.dispose()
    assert counts == sorted(counts) and counts[-1] <= written and written > 0


async def test_restore_refuses_a_backup_of_the_other_database_kind(
    urls: tuple[str, str], tmp_path: Path
) -> None:
    _, new = urls
    file = tmp_path / "notes.txt"
    await asyncio.to_thread(file.write_text, "not a backup")
    with pytest.raises(BackupError, match="is not a"):
        await restore(new, file)
    with pytest.raises(BackupError, match="there is no backup at"):
        await restore(new, tmp_path / "missing.backup")


@pytest.mark.parametrize("urls", ["postgres"], indirect=True)  # SQLite needs no client tools
async def test_without_pg_dump_the_backup_says_what_to_install(
    urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, _ = urls
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError) as refused:
        await backup(live, tmp_path / "mentorbot.backup")
    assert str(refused.value) == (
        "pg_dump is not installed: install the postgresql-client package matching the server's "
        "major version (Debian: apt-get install postgresql-client)"
    )
    assert not (tmp_path / "mentorbot.backup").exists()
