"""Importing a programme that started in a spreadsheet: pairs and outcomes for 1,000 youths.

`mentorbot import pairs` and `import outcomes` run the same rules as `import youths` (every row
checked in its own savepoint, a second run adds nothing). The goal is under 10 s for the pairs
and the outcomes of 1,000 youths; the baseline, measured in the same run on the same database,
is importing the 1,000 youths themselves. SQLite, the embedded default.

Run with `python -m bench imports` or `python -m bench.bench_imports`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.runtime import Runtime
from mentoring.importing import import_csv
from settings import Settings
from storage.migrate import upgrade

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GOAL_S = 10.0
NAMES = ("Sara", "Ali", "Emma", "Noah", "Freja", "Omar", "Ida", "Karl", "Maja", "Liv")


def _write(folder: Path, youths: int) -> dict[str, Path]:
    mentors = max(youths // 5, 1)
    files = {
        "youths": ["ref,first_name,birth_year,situation,target_group"]
        + [f"U{n},{NAMES[n % len(NAMES)]},2003,unemployed,g1" for n in range(youths)],
        "mentors": ["ref,first_name,company,capacity"]
        + [f"M{n},{NAMES[-n % len(NAMES)]},Firma {n} ApS,3" for n in range(mentors)],
        "pairs": ["youth_ref,mentor_ref,starts_on,ends_on,status,end_reason,ended_on"],
        "outcomes": ["youth_ref,observed_on,statuses,source"],
    }
    start = date(2025, 9, 1)
    for n in range(youths):
        starts = start + timedelta(days=n % 90)
        ends = starts + timedelta(days=92)
        if n % 4 == 3:
            stopped = starts + timedelta(days=30)
            row = f"U{n},M{n % mentors},{starts},{ends},ended_early,youth_stopped,{stopped}"
        else:
            row = f"U{n},M{n % mentors},{starts},{ends},completed,completed,{ends}"
        files["pairs"].append(row)
        files["outcomes"].append(f"U{n},{ends + timedelta(days=92)},education;smaajob,register")
    paths = {}
    for kind, lines in files.items():
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


async def _measure(youths: int, folder: Path) -> dict[str, float]:
    url = f"sqlite+aiosqlite:///{folder / 'imports.db'}"
    await upgrade(url)
    paths = _write(folder, youths)
    runtime = Runtime.build(Settings(database_url=url, run_scheduler=False), clock=lambda: NOW)
    times: dict[str, float] = {}
    try:
        for kind in ("youths", "mentors", "pairs", "outcomes"):
            began = time.perf_counter()
            result = await import_csv(runtime, kind, paths[kind])
            times[kind] = time.perf_counter() - began
            assert not result.rejected, (kind, result.rejected[:3])
        again = await import_csv(runtime, "pairs", paths["pairs"])
        assert again.imported == 0 and again.skipped == youths, again
    finally:
        await runtime.close()
    return times


def run(youths: int = 1_000) -> list[dict[str, Any]]:
    """Rows for `python -m bench` (bench/__main__.py's contract)."""
    with tempfile.TemporaryDirectory() as tmp:
        times = asyncio.run(_measure(youths, Path(tmp)))
    both = times["pairs"] + times["outcomes"]
    return [
        {
            "name": f"import pairs + outcomes for {youths:,} youths, SQLite "
            f"(baseline: import the youths)",
            "value": both,
            "unit": "s",
            "baseline": times["youths"],
            "goal": f"< {GOAL_S:g} s",
            "ok": both < GOAL_S,
        }
    ]


if __name__ == "__main__":
    print(run())  # noqa: T201
