"""Issue 16, finding 7's remainder: "slet mine data" in the chat empties the SQLite WAL at once.

SQLite keeps a changed page's old image in the WAL until a checkpoint, so an erased person's
name and number stayed readable in the data folder until the nightly purge. Every unit of work
that erases someone now checkpoints right after its commit, whichever route it came by; this
reads the data folder's files (database, WAL) right after the chat's goodbye. SQLite only: a
PostgreSQL server has no WAL file of ours to read."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.runtime import Runtime
from storage.db import create_engine
from tests.conftest import NOW
from tests.fakes.chat import Chat
from tests.privacy_helpers import YOUTH_CHAT, chatting_pair
from tests.runtime import make_runtime

TRACES = (b"sara.n@example.dk", b"+4531415926")


@pytest.fixture
async def runtime(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Runtime]:
    target = tmp_path / "data" / "mentorbot.db"
    target.parent.mkdir()
    shutil.copy(sqlite_template, target)
    built = make_runtime(create_engine(f"sqlite+aiosqlite:///{target}"), NOW + timedelta(hours=1))
    yield built
    await built.close()


def on_disk(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


async def test_slet_mine_data_in_the_chat_leaves_no_trace_in_the_database_files(
    runtime: Runtime, tmp_path: Path
) -> None:
    async with runtime.transaction() as session:
        await chatting_pair(session, NOW)
    folder = tmp_path / "data"
    assert all(trace in on_disk(folder) for trace in TRACES)  # written, in the WAL or the file

    chat = Chat(runtime, address=YOUTH_CHAT)
    await chat.text("slet mine data")
    assert "Dine data er slettet" in await chat.text("ja")

    files = on_disk(folder)
    for trace in TRACES:
        assert trace not in files, trace  # neither in the database nor its WAL
