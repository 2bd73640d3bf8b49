"""Large benchmark datasets generated inside the database, not row by row in Python.

`make bench` must run from a fresh clone (no bench/.cache/) in minutes: the digest's national
programme (100,000 youths, 50,000 mentors, 1,000,000 meetings) built from Python tuples took
most of that. Here each table is one INSERT ... SELECT over a generated series (SQLite: a
recursive CTE; PostgreSQL: generate_series), so the rows never cross the driver.

The programme (`Programme` row `programme_id`) must exist. Ids: youths 1..Y, mentors Y+1..Y+M,
match m pairs youth m with mentor Y+m; each match has meetings//M meetings six days apart from
`start`, those before `now` held; two monthly hours reports; one SMS number per person, every
50th blocked. SQLite values are stored as the application stores them (UTC, text).
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg


@dataclass(frozen=True)
class Programme:
    """What to generate: sizes, the programme the rows belong to, and the moments they hang on."""

    programme_id: int
    youths: int
    mentors: int
    meetings: int
    start: datetime  # the first meetings and matches (UTC)
    now: datetime  # meetings before this are held, the others proposed

    @property
    def per_match(self) -> int:
        return max(1, self.meetings // self.mentors)

    @property
    def joined(self) -> datetime:
        return self.start - timedelta(days=30)  # people's created_at


def _text(moment: datetime) -> str:
    """A moment as the application stores it in SQLite: naive UTC with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


# SQLite: datetime() gives "YYYY-MM-DD HH:MM:SS"; the application's text has microseconds too.
# Meetings count one series through match x meeting (a join with a second series would run it
# again for every match), in whole seconds from the epoch: 518,400 s = 6 days.
_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :people)
INSERT INTO people (id, programme_id, role, first_name, language, status, created_at)
SELECT i, :programme, CASE WHEN i <= :y THEN 'youth' ELSE 'mentor' END,
       CASE WHEN i <= :y THEN 'youth' ELSE 'mentor' END || i, 'da', 'active', :joined
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :y)
INSERT INTO youths (person_id, birth_year, target_group, situation, interests, waiting_since)
SELECT i, 2005, CASE WHEN i % 3 THEN 'g1' ELSE 'g2' END, 'unemployed', '[]',
       CASE WHEN i > :m AND i % 5 = 0
            THEN datetime(:joined, '+' || i || ' minutes') || '.000000' END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :m)
INSERT INTO mentors (person_id, capacity, languages, approval)
SELECT :y + i, 1 + (:y + i) % 2, '[]', 'approved' FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :m),
begun(i, at) AS (SELECT i, datetime(:start, '+' || (i % 2000) || ' hours') FROM n)
INSERT INTO matches (id, programme_id, youth_id, mentor_id, status, proposed_at, accepted_at,
                     starts_on, ends_on)
SELECT i, :programme, i, :y + i, CASE WHEN i % 5 THEN 'active' ELSE 'completed' END,
       at || '.000000', at || '.000000', date(at), date(at, '+120 days')
FROM begun;

WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n + 1 < :m * :per_match),
meeting(i, at) AS (
    SELECT n / :per_match + 1,
           :start_epoch + (n % :per_match) * 518400 + ((n / :per_match + 1) % 48) * 3600
    FROM r
)
INSERT INTO meetings (match_id, starts_at, status, proposed_at, sequence, updated_at)
SELECT i, datetime(at, 'unixepoch') || '.000000',
       CASE WHEN at < :now_epoch THEN 'held' ELSE 'proposed' END,
       datetime(at - 172800, 'unixepoch') || '.000000', 0, datetime(at, 'unixepoch') || '.000000'
FROM meeting;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :m),
month(d) AS (VALUES ('2026-10-01'), ('2026-11-01'))
INSERT INTO hours_reports (match_id, minutes, month, reported_at)
SELECT i, 60 + i % 120, d, datetime(d, '+19 days', '+10 hours') || '.000000'
FROM n, month ORDER BY i, d;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :people)
INSERT INTO contact_points (person_id, channel, address, verified, state, created_at)
SELECT i, 'sms', '+45' || (20000000 + i), 1, CASE WHEN i % 50 = 0 THEN 'blocked' ELSE 'ok' END,
       :joined
FROM n;
"""


TABLES = ("people", "youths", "mentors", "matches", "meetings", "hours_reports", "contact_points")


def fill_sqlite(path: Path, p: Programme) -> None:
    """Generate the programme's rows into a migrated SQLite file, in one transaction.

    The secondary indexes are dropped first and built again afterwards (one sort each instead
    of a million random inserts), and nothing is synced before the end: a half-built file is
    thrown away anyway.
    """
    params = {
        "programme": p.programme_id,
        "y": p.youths,
        "m": p.mentors,
        "people": p.youths + p.mentors,
        "per_match": p.per_match,
        "joined": _text(p.joined),
        "start": _text(p.start),
        "now": _text(p.now),
        "start_epoch": int(p.start.timestamp()),
        "now_epoch": int(p.now.timestamp()),
    }
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB
        conn.execute("PRAGMA temp_store=MEMORY")
        marks = ", ".join("?" * len(TABLES))
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks})",
            TABLES,
        ).fetchall()
        with conn:
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            for statement in _SQLITE.split(";\n"):
                if statement.strip():
                    conn.execute(statement, params)
            for _, sql in indexes:
                conn.execute(sql)
        conn.execute("ANALYZE")
    finally:
        conn.close()


_POSTGRES = """
INSERT INTO people (id, programme_id, role, first_name, language, status, created_at)
SELECT i, {programme}, CASE WHEN i <= {y} THEN 'youth' ELSE 'mentor' END,
       CASE WHEN i <= {y} THEN 'youth' ELSE 'mentor' END || i, 'da', 'active', {joined}
FROM generate_series(1, {people}) AS i;

INSERT INTO youths (person_id, birth_year, target_group, situation, interests, waiting_since)
SELECT i, 2005, CASE WHEN i % 3 <> 0 THEN 'g1' ELSE 'g2' END, 'unemployed', '[]',
       CASE WHEN i > {m} AND i % 5 = 0 THEN {joined} + make_interval(mins => i) END
FROM generate_series(1, {y}) AS i;

INSERT INTO mentors (person_id, capacity, languages, approval)
SELECT {y} + i, 1 + ({y} + i) % 2, '[]', 'approved' FROM generate_series(1, {m}) AS i;

INSERT INTO matches (id, programme_id, youth_id, mentor_id, status, proposed_at, accepted_at,
                     starts_on, ends_on)
SELECT i, {programme}, i, {y} + i, CASE WHEN i % 5 <> 0 THEN 'active' ELSE 'completed' END,
       at, at, (at AT TIME ZONE 'UTC')::date, (at AT TIME ZONE 'UTC')::date + 120
FROM generate_series(1, {m}) AS i,
     LATERAL (SELECT {start} + make_interval(hours => i % 2000) AS at) AS b;

INSERT INTO meetings (match_id, starts_at, status, proposed_at, sequence, updated_at)
SELECT i, at, CASE WHEN at < {now} THEN 'held' ELSE 'proposed' END, at - interval '2 days', 0, at
FROM generate_series(1, {m}) AS i, generate_series(0, {per_match} - 1) AS j,
     LATERAL (SELECT {start} + make_interval(days => j * 6, hours => i % 48) AS at) AS b
ORDER BY i, j;

INSERT INTO hours_reports (match_id, minutes, month, reported_at)
SELECT i, 60 + i % 120, d::date, (d + interval '19 days 10 hours') AT TIME ZONE 'UTC'
FROM generate_series(1, {m}) AS i,
     unnest(ARRAY[timestamp '2026-10-01', timestamp '2026-11-01']) AS d
ORDER BY i, d;

INSERT INTO contact_points (person_id, channel, address, verified, state, created_at)
SELECT i, 'sms', '+45' || (20000000 + i), true,
       CASE WHEN i % 50 = 0 THEN 'blocked' ELSE 'ok' END, {joined}
FROM generate_series(1, {people}) AS i;
"""


async def fill_postgres(dsn: str, p: Programme) -> None:
    """Generate the programme's rows into a migrated PostgreSQL database, in one transaction."""
    values = {  # our own integers and moments, written into the statements as literals
        "programme": p.programme_id,
        "y": p.youths,
        "m": p.mentors,
        "people": p.youths + p.mentors,
        "per_match": p.per_match,
        **{
            name: f"timestamptz '{moment.astimezone(UTC).isoformat()}'"
            for name, moment in (("joined", p.joined), ("start", p.start), ("now", p.now))
        },
    }
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            # As for SQLite: secondary indexes built once at the end; and the rows are known to
            # be consistent, so no foreign-key trigger runs per row (if we may switch them off).
            with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
                async with conn.transaction():
                    await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            indexes = await conn.fetch(
                "SELECT i.indexrelid::regclass::text AS name,"
                " pg_get_indexdef(i.indexrelid) AS sql FROM pg_index i"
                " JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY($1::text[])"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                list(TABLES),
            )
            for index in indexes:
                await conn.execute(f"DROP INDEX {index['name']}")
            for statement in _POSTGRES.split(";\n"):
                if statement.strip():
                    await conn.execute(statement.format(**values))
            for index in indexes:
                await conn.execute(index["sql"])
        # A live database is vacuumed by autovacuum: without it, right after a bulk insert,
        # index-only scans would visit every heap page (the visibility map is still empty).
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
