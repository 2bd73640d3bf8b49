"""The weekly digest at national scale: 100,000 youths, 50,000 mentors, 1,000,000 meetings.

Times `load_digest` (its fixed set of SELECTs plus the figures built from them) on SQLite and on
PostgreSQL, and counts its statements against a small programme (100 youths) built the same way
in the same run: the count must not grow with the programme. The rows are generated inside the
database (bench/datasets.py: a minute or less from a fresh clone); the SQLite file is cached
under bench/.cache/ so a second run skips even that.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex

from bench import datasets
from bench.dbs import asyncpg_dsn, postgres_db
from mentoring.digest import load_digest
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base, Programme

CACHE = Path(__file__).parent / ".cache"
CACHE_VERSION = 2  # 2: the meetings and audit-log indexes the digest reads
CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WEEK = "2026-W48"
GOAL_SECONDS = 2.0
START = datetime(2026, 8, 3, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    youths: int
    mentors: int
    meetings: int

    @property
    def label(self) -> str:
        return f"{self.youths:,} youths, {self.mentors:,} mentors, {self.meetings:,} meetings"


FULL = Size(100_000, 50_000, 1_000_000)
SMALL = Size(100, 50, 1_000)


async def _programme(url: str) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            prog = Programme(
                name="Danmark",
                unit_name="Alle jobcentre",
                starts_on=date(2026, 8, 1),
                ends_on=date(2027, 8, 1),
                target_matches=60_000,
            )
            session.add(prog)
            await session.flush()
            return prog.id
    finally:
        await engine.dispose()


def _dataset(size: Size, programme_id: int) -> datasets.Programme:
    return datasets.Programme(
        programme_id, size.youths, size.mentors, size.meetings, start=START, now=NOW
    )


async def build_sqlite(path: Path, size: Size) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    datasets.fill_sqlite(path, _dataset(size, await _programme(url)))
    return url


async def fill_postgres(url: str, size: Size) -> None:
    programme_id = await _programme(url)
    await datasets.fill_postgres(asyncpg_dsn(url), _dataset(size, programme_id))


def sync_indexes(path: Path) -> None:
    """Give a cached file the models' indexes (creating an index takes seconds, generating the
    rows minutes): missing ones are created, dropped ones dropped, and the statistics renewed."""
    wanted = {ix.name: ix for table in Base.metadata.tables.values() for ix in table.indexes}
    conn = sqlite3.connect(path)
    with conn:
        present = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        for name in present - wanted.keys():
            conn.execute(f'DROP INDEX "{name}"')
        for name in wanted.keys() - present:
            conn.execute(str(CreateIndex(wanted[name]).compile(dialect=sqlite.dialect())))
        if present != wanted.keys():
            conn.execute("ANALYZE")
    conn.close()


async def cached_sqlite(size: Size, folder: Path) -> str:
    """The full-size SQLite file, generated once into bench/.cache/ (with the current indexes)."""
    if size != FULL:
        return await build_sqlite(folder / "digest.db", size)
    cached = CACHE / f"digest-v{CACHE_VERSION}-{size.youths}-{size.meetings}.db"
    if not cached.exists():
        CACHE.mkdir(exist_ok=True)
        partial = folder / "partial.db"
        await build_sqlite(partial, size)
        shutil.move(partial, cached)
    url = f"sqlite+aiosqlite:///{cached}"
    await upgrade(url)  # a file cached before the latest revisions gets their tables first
    sync_indexes(cached)
    return url


async def measure(url: str, rounds: int = 1, warm_up: bool = False) -> tuple[float, int, int]:
    """(median seconds, statements, active pairs) of load_digest."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    try:
        if warm_up:
            async with sessions() as session:
                await load_digest(session, 1, WEEK, NOW, CPH)
        times = []
        for _ in range(rounds):
            statements.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            started = time.perf_counter()
            async with sessions() as session:
                digest = await load_digest(session, 1, WEEK, NOW, CPH)
            times.append(time.perf_counter() - started)
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        real = [s for s in statements if not s.startswith("BEGIN")]
        return statistics.median(times), len(real), digest.hours_this_month.total
    finally:
        await engine.dispose()


async def _backend(backend: str, size: Size, small: Size, folder: Path) -> list[dict[str, Any]]:
    if backend == "sqlite":
        big_url = await cached_sqlite(size, folder)
        small_url = await build_sqlite(folder / "small.db", small)
        seconds, statements, active = await measure(big_url, rounds=3)
        _, small_statements, _ = await measure(small_url, rounds=1)
    else:
        async with postgres_db("digest_small") as small_url:
            await fill_postgres(small_url, small)
            _, small_statements, _ = await measure(small_url, rounds=1)
        async with postgres_db("digest") as big_url:
            await fill_postgres(big_url, size)
            seconds, statements, active = await measure(big_url, rounds=3)
    return [
        {
            "name": f"{backend}: digest build, {size.label} ({active:,} active pairs)",
            "value": seconds,
            "unit": "s",
            "goal": f"< {GOAL_SECONDS:g} s",
            "ok": seconds < GOAL_SECONDS,
        },
        {
            "name": f"{backend}: digest statements, large vs {small.youths} youths",
            "value": float(statements),
            "unit": "statements",
            "baseline": float(small_statements),
            "goal": "equal",
            "ok": statements == small_statements,
        },
    ]


def run(size: Size = FULL, small: Size = SMALL) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            rows += asyncio.run(_backend(backend, size, small, Path(tmp)))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201
