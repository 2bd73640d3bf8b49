"""Issue 16 finding 7: retention covers people who never finished a pair, and erased data
leaves the SQLite WAL.

An abandoned sign-up is erased `retain_bodies_days` after its last step; a youth never matched
and a mentor never approved `retain_personal_months` after theirs. On SQLite the data folder
(database and WAL) holds none of their names or numbers afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from mentoring.privacy import purge
from settings import load_settings
from storage.models import Person
from tests import factories
from tests.conftest import NOW
from tests.privacy_helpers import all_text

ABANDONED = "+4561616161"


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str | None, str]:
    async with sessions() as session:
        rows = (await session.execute(select(Person.id, Person.status))).all()
    return {str(pid): status for pid, status in rows}


async def test_never_paired_people_are_purged_and_leave_no_trace_on_disk(
    db_url: str, tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = [NOW]
    runtime = Runtime.build(
        load_settings(data_dir=tmp_path, database_url=db_url), clock=lambda: clock[0]
    )
    try:
        async with sessions() as session, session.begin():
            waiting = await factories.youth(session, NOW, "Vibeke", phone="+4562626262")
            unapproved = await factories.mentor(
                session, "Torbjørn", approved=False, phone="+4563636363"
            )
            ids = {"waiting": str(waiting.id), "unapproved": str(unapproved.id)}
        # Someone texts us, gives a name and never finishes the sign-up.
        for said in ("hej", "ja", "Quirina"):
            await process(runtime, Incoming(channel="sms", address=ABANDONED, text=said))
        async with sessions() as session:
            assert "Quirina" in await all_text(session)

        clock[0] = NOW + timedelta(days=31)
        touched = await purge(runtime)
        assert touched["never_paired_erased"] == 1
        after = await statuses(sessions)
        assert after[ids["waiting"]] == "active" and after[ids["unapproved"]] != "erased"
        async with sessions() as session:
            text = await all_text(session)
        assert "Quirina" not in text and ABANDONED not in text

        clock[0] = NOW + timedelta(days=400)
        touched = await purge(runtime)
        assert touched["never_paired_erased"] == 2
        assert set((await statuses(sessions)).values()) == {"erased"}
        async with sessions() as session:
            text = await all_text(session)
        for gone in ("Vibeke", "Torbjørn", "+4562626262", "+4563636363"):
            assert gone not in text
        if db_url.startswith("sqlite"):
            on_disk = b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file())  # noqa: ASYNC240
            for gone in ("Quirina", "Vibeke", "Torbjørn", ABANDONED, "+4562626262"):
                assert gone.encode() not in on_disk, gone  # neither in the database nor its WAL
    finally:
        await runtime.close()
