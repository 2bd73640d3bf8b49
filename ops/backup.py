"""`mentorbot backup FILE` and `mentorbot restore FILE`: the whole database, both backends.

SQLite: the online backup API copies a consistent snapshot while `serve` keeps writing (WAL
readers never block the writer). PostgreSQL: `pg_dump` in its custom format, read back with
`pg_restore`; both come from the postgresql-client package of the server's major version.

A restore goes into an empty database only (unless forced), brings the schema up to this code's
revision, and then re-applies the erasure log of the database it replaced: a person erased after
the backup was taken must not come back from it (README.md, "Backups").
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.statuses import PersonStatus
from mentoring.privacy import erase_person
from storage.db import create_engine, is_sqlite, session_factory, unit_of_work
from storage.migrate import known_revisions, upgrade
from storage.models import ErasureLog, Person

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
NOT_DATA = {"alembic_version", "lookups"}  # present in a freshly upgraded, still empty database


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    revision: str | None  # the backup's schema revision, before the upgrade to this code's
    erasures_reapplied: int  # people erased after the backup was taken, erased again


# -- backup ------------------------------------------------------------------------------------


async def backup(url: str, dest: Path) -> None:
    """Write the whole database to `dest` (readable by the owner only: it holds personal data)."""
    partial = await asyncio.to_thread(_partial_for, dest)
    try:
        if is_sqlite(url):
            await asyncio.to_thread(_sqlite_copy, _sqlite_path(url), partial)
        else:
            await _pg_run("pg_dump", "--format=custom", "--no-owner", f"--file={partial}", url=url)
        await asyncio.to_thread(_finish, partial, dest)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)


def _partial_for(dest: Path) -> Path:
    """Written beside the target and renamed at the end: a crash never leaves half a backup."""
    dest.resolve().parent.mkdir(parents=True, exist_ok=True)
    return dest.resolve().with_name(dest.name + ".partial")


def _finish(partial: Path, dest: Path) -> None:
    partial.chmod(0o600)
    partial.replace(dest)


def _magic(source: Path) -> bytes | None:
    if not source.is_file():
        return None
    with source.open("rb") as f:
        return f.read(len(SQLITE_MAGIC))


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(database)


def _sqlite_copy(source: Path, dest: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(dest)) as dst,
    ):
        src.backup(dst)  # one step: a consistent snapshot under one read transaction


def _pg_env(url: str) -> dict[str, str]:
    """libpq's variables, so the password never appears on a command line."""
    u = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", u.host),
        ("PGPORT", str(u.port) if u.port else None),
        ("PGUSER", u.username),
        ("PGPASSWORD", u.password),
        ("PGDATABASE", u.database),
    ):
        if value:
            env[name] = str(value)
    return env


async def _pg_run(tool: str, *args: str, url: str) -> bytes:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(
            f"{tool} is not installed: install the postgresql-client package matching the "
            "server's major version (Debian: apt-get install postgresql-client)"
        )
    proc = await asyncio.create_subprocess_exec(
        exe,
        *args,
        env=_pg_env(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise BackupError(f"{tool} failed: {err.decode(errors='replace').strip()[:400]}")
    return out


# -- restore -----------------------------------------------------------------------------------


async def restore(url: str, source: Path, *, force: bool = False) -> Restored:
    """Replace the database with the backup at `source`, upgrade it, re-apply later erasures."""
    magic = await asyncio.to_thread(_magic, source)
    if magic is None:
        raise BackupError(f"there is no backup at {source}")
    sqlite = is_sqlite(url)
    if sqlite and not magic.startswith(SQLITE_MAGIC):
        raise BackupError(f"{source} is not a SQLite backup, and DATABASE_URL is SQLite")
    if not sqlite and not magic.startswith(PGDUMP_MAGIC):
        raise BackupError(
            f"{source} is not a pg_dump custom-format backup, and the database is PostgreSQL"
        )
    revision = (
        await asyncio.to_thread(_sqlite_revision, source)
        if sqlite
        else await _pgdump_revision(source, url)
    )
    if revision is not None and revision not in known_revisions():
        raise BackupError(
            f"the backup is at revision {revision}, newer than this code: "
            "install the version that made it"
        )
    engine = create_engine(url)
    try:
        if not force and not await _is_empty(engine):
            raise BackupError(
                "the database is not empty: restore into a new database, or give "
                "--force to replace everything in it with the backup"
            )
        erasures = await _erasure_log(engine)
    finally:
        await engine.dispose()
    if sqlite:
        await asyncio.to_thread(_sqlite_replace, source, _sqlite_path(url))
    else:
        await _pg_replace(source, url)
    await upgrade(url)
    return Restored(revision, await _reapply(url, erasures))


async def _is_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for table in set(tables) - NOT_DATA:
            if await conn.scalar(text(f'SELECT 1 FROM "{table}" LIMIT 1')) is not None:
                return False
    return True


async def _erasure_log(engine: AsyncEngine) -> list[tuple[int, datetime]]:
    """Who the database being replaced had erased (none when it has no log yet)."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(ErasureLog.person_id, ErasureLog.erased_at))
            return [(pid, at) for pid, at in rows.all()]
    except SQLAlchemyError:
        return []  # an empty database, or one from before the log existed


def _sqlite_revision(source: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a readable mentorbot backup ({exc})") from None
    return str(row[0]) if row else None


async def _pgdump_revision(source: Path, url: str) -> str | None:
    """The revision in the dump, read without restoring it (also proves the file is readable)."""
    out = await _pg_run(
        "pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(source), url=url
    )
    lines = out.decode().splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return None if value == "\\." else value
    return None


def _sqlite_replace(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    target.chmod(0o600)


async def _pg_replace(source: Path, url: str) -> None:
    """Empty the schema (tables the backup lacks must go too), then load the dump."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    await _pg_run(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--schema=public",
        f"--dbname={make_url(url).database}",
        str(source),
        url=url,
    )


async def _reapply(url: str, erasures: list[tuple[int, datetime]]) -> int:
    """Erase again everyone the replaced database had erased and the backup still holds."""
    if not erasures:
        return 0
    engine = create_engine(url)
    done = 0
    try:
        async with unit_of_work(session_factory(engine)) as session:
            for person_id, erased_at in erasures:
                person = await session.get(Person, person_id)
                if person is not None and person.status != PersonStatus.ERASED:
                    await erase_person(session, person_id, actor="system:restore", now=erased_at)
                    done += 1
    finally:
        await engine.dispose()
    return done
