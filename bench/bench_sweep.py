"""A sweep costs what is due, not what is pending: 100 due among 1,000 vs 1,000,000 pending.

The due rows are outcome reminders for 100 youths whose survey went unanswered: each one checks
the youth's outcomes and flags the coordinator, so a sweep does real work for every row.

Run with `python -m bench` (every bench_*.py) or `python -m bench.bench_sweep`. SQLite, the
embedded default; the 1,000,000 rows are bulk-inserted with the stdlib driver to keep the run
well under a minute. Each figure is the median of a few sweeps over fresh due rows; the ratio
(1,000,000 / 1,000) should stay near 1 because the claim walks the (state, due_at) index.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.runtime import Runtime
from mentoring.programmes import current_programme
from mentoring.sweep import sweep
from settings import Settings
from storage.db import unit_of_work
from storage.migrate import upgrade

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DUE = 100
ROUNDS = 5
GOAL_MS = 100.0
SQL = (
    "INSERT INTO followups (programme_id, key, kind, due_at, state, payload, person_id) "
    "VALUES (1, ?, 'outcome_coordinator', ?, 'pending', '{\"ended_on\": \"2026-08-01\"}', ?)"
)
PEOPLE = (
    "INSERT INTO people (id, programme_id, role, first_name, language, status, created_at) "
    "VALUES (?, 1, 'youth', 'Ung', 'da', 'active', '2026-01-01 00:00:00')"
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _fill(path: Path, pending: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        later = NOW + timedelta(days=30)
        conn.executemany(PEOPLE, ((n + 1,) for n in range(DUE)))
        rows = (
            (f"bench:{n}", _stamp(later + timedelta(seconds=n)), n % DUE + 1)
            for n in range(pending)
        )
        conn.executemany(SQL, rows)
    conn.close()


def _add_due(path: Path, round_no: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            SQL,
            (
                (f"due:{round_no}:{n}", _stamp(NOW - timedelta(minutes=1, seconds=n)), n + 1)
                for n in range(DUE)
            ),
        )
    conn.close()


async def _time_sweeps(path: Path) -> float:
    url = f"sqlite+aiosqlite:///{path}"
    runtime = Runtime.build(Settings(database_url=url, run_scheduler=False), clock=lambda: NOW)
    try:
        await sweep(runtime, NOW)  # warm up the connection and caches
        times = []
        for round_no in range(ROUNDS):
            _add_due(path, round_no)
            start = time.perf_counter()
            result = await sweep(runtime, NOW)
            times.append(time.perf_counter() - start)
            assert result.done == DUE, result
        return statistics.median(times)
    finally:
        await runtime.close()


async def _measure(pending: int, folder: Path) -> float:
    path = folder / f"sweep_{pending}.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    runtime = Runtime.build(Settings(database_url=url, run_scheduler=False))
    async with unit_of_work(runtime.sessions) as session:
        await current_programme(session, NOW.date())  # the programme the rows belong to (id 1)
    await runtime.close()
    _fill(path, pending)
    return await _time_sweeps(path)


def run(pending: int = 1_000_000) -> list[dict[str, Any]]:
    """Rows for `python -m bench` (bench/__main__.py's contract)."""
    with tempfile.TemporaryDirectory() as tmp:
        small = asyncio.run(_measure(1_000, Path(tmp)))
        large = asyncio.run(_measure(pending, Path(tmp)))
    return [
        {
            "name": f"sweep of {DUE} due among {pending:,} pending (baseline: 1,000 pending)",
            "value": large * 1000,
            "unit": "ms",
            "baseline": small * 1000,
            "goal": f"< {GOAL_MS:g} ms",
            "ok": large * 1000 < GOAL_MS,
        }
    ]


if __name__ == "__main__":
    print(run())  # noqa: T201
