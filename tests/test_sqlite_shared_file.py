"""A SQLite file shared by processes keeps every commit: opening another engine on the file in
the same process (the dispatcher's own engine, a job's) must not let another process delete the
WAL that this process is still writing, or its later commits would be seen by nobody."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine

READ = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "print(c.execute(sys.argv[2]).fetchone()[0]); c.close()"
)


def _count_elsewhere(path: Path) -> int:
    """What another process sees, opening and closing its own (last) connection."""
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path), "SELECT count(*) FROM notes_t"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout)


async def test_commits_after_a_second_engine_on_the_file_are_seen_by_other_processes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    url = f"sqlite+aiosqlite:///{path}"
    serving = create_engine(url)
    try:
        async with serving.begin() as conn:
            await conn.execute(text("CREATE TABLE notes_t (id INTEGER PRIMARY KEY, body TEXT)"))
            await conn.execute(text("INSERT INTO notes_t (body) VALUES ('first')"))
        second = create_engine(url)  # as the dispatcher's engine is made while serving runs
        await second.dispose()
        assert _count_elsewhere(path) == 1
        async with serving.begin() as conn:
            await conn.execute(text("INSERT INTO notes_t (body) VALUES ('second')"))
        assert _count_elsewhere(path) == 2
        assert path.with_name("shared.db-wal").exists()  # still in use by this process
    finally:
        await serving.dispose()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM notes_t").fetchone()[0] == 2
