"""The weekly digest at national scale: 100,000 youths, 50,000 mentors, 1,000,000 meetings.

Times `load_digest` (its fixed set of SELECTs plus the figures built from them) on SQLite and on
PostgreSQL, and counts its statements against a small programme (100 youths) built the same way
in the same run: the count must not grow with the programme. The rows are written with the bare
drivers (sqlite3 executemany, asyncpg COPY) in one transaction; the SQLite file is cached under
bench/.cache/ so a second run skips the generation.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import event
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex

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


def _tables(
    size: Size, programme_id: int
) -> dict[str, tuple[list[str], Iterator[tuple[Any, ...]]]]:
    """Rows per table, ids assigned here: youths 1..Y, mentors Y+1..Y+M, match m for mentor m."""
    y, m = size.youths, size.mentors
    per_match = max(1, size.meetings // m)
    old = START - timedelta(days=30)

    def people() -> Iterator[tuple[Any, ...]]:
        for pid in range(1, y + m + 1):
            role = "youth" if pid <= y else "mentor"
            yield (pid, programme_id, role, f"{role}{pid}", "da", "active", old)

    def youths() -> Iterator[tuple[Any, ...]]:
        for pid in range(1, y + 1):
            waiting = old + timedelta(minutes=pid) if pid > m and pid % 5 == 0 else None
            yield (pid, 2005, "g1" if pid % 3 else "g2", "unemployed", "[]", waiting)

    def mentors() -> Iterator[tuple[Any, ...]]:
        for pid in range(y + 1, y + m + 1):
            yield (pid, 1 + pid % 2, "[]", "approved")

    def matches() -> Iterator[tuple[Any, ...]]:
        for mid in range(1, m + 1):
            begun = START + timedelta(hours=mid % 2000)
            status = "active" if mid % 5 else "completed"
            yield (
                mid, programme_id, mid, y + mid, status, begun, begun,
                begun.date(), begun.date() + timedelta(days=120),
            )  # fmt: skip

    def meetings() -> Iterator[tuple[Any, ...]]:
        for mid in range(1, m + 1):
            for k in range(per_match):
                at = START + timedelta(days=k * 6, hours=mid % 48)
                status = "held" if at < NOW else "proposed"
                yield (mid, at, status, at - timedelta(days=2), 0, at)

    def hours() -> Iterator[tuple[Any, ...]]:
        for mid in range(1, m + 1):
            for month in (date(2026, 10, 1), date(2026, 11, 1)):
                reported = datetime(month.year, month.month, 20, 10, tzinfo=UTC)
                yield (mid, 60 + mid % 120, month, reported)

    def contacts() -> Iterator[tuple[Any, ...]]:
        for pid in range(1, y + m + 1):
            state = "blocked" if pid % 50 == 0 else "ok"
            yield (pid, "sms", f"+45{20000000 + pid}", True, state, old)

    return {
        "people": (
            ["id", "programme_id", "role", "first_name", "language", "status", "created_at"],
            people(),
        ),
        "youths": (
            ["person_id", "birth_year", "target_group", "situation", "interests", "waiting_since"],
            youths(),
        ),
        "mentors": (["person_id", "capacity", "languages", "approval"], mentors()),
        "matches": (
            [
                "id",
                "programme_id",
                "youth_id",
                "mentor_id",
                "status",
                "proposed_at",
                "accepted_at",
                "starts_on",
                "ends_on",
            ],
            matches(),
        ),
        "meetings": (
            ["match_id", "starts_at", "status", "proposed_at", "sequence", "updated_at"],
            meetings(),
        ),
        "hours_reports": (["match_id", "minutes", "month", "reported_at"], hours()),
        "contact_points": (
            ["person_id", "channel", "address", "verified", "state", "created_at"],
            contacts(),
        ),
    }


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        )
    if isinstance(value, date):
        return value.isoformat()
    return value


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


async def build_sqlite(path: Path, size: Size) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    programme_id = await _programme(url)
    conn = sqlite3.connect(path)
    with conn:
        for table, (columns, rows) in _tables(size, programme_id).items():
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (tuple(_sqlite_value(v) for v in row) for row in rows),
            )
    conn.execute("ANALYZE")
    conn.close()
    return url


async def fill_postgres(url: str, size: Size) -> None:
    programme_id = await _programme(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with conn.transaction():
            for table, (columns, rows) in _tables(size, programme_id).items():
                await conn.copy_records_to_table(table, records=rows, columns=columns)
        # A live database is vacuumed by autovacuum: without it, right after COPY, index-only
        # scans would visit every heap page (the visibility map is still empty).
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


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
    sync_indexes(cached)
    return f"sqlite+aiosqlite:///{cached}"


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
        seconds, statements, active = await measure(big_url)
        _, small_statements, _ = await measure(small_url, rounds=1)
    else:
        async with postgres_db("digest_small") as small_url:
            await fill_postgres(small_url, small)
            _, small_statements, _ = await measure(small_url, rounds=1)
        async with postgres_db("digest") as big_url:
            await fill_postgres(big_url, size)
            seconds, statements, active = await measure(big_url)
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
