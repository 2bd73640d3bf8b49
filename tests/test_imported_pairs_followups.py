"""Pairs imported from a spreadsheet get the follow-ups still ahead of them, as pairs accepted
here do; none that would already be overdue, so the first sweep sends no pile of old nudges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import local_date
from mentoring.importing import import_csv
from mentoring.sweep import sweep
from storage.models import FollowUp, Match, OutboxMessage
from tests.conftest import COPENHAGEN, NOW
from tests.runtime import make_runtime

YOUTHS = """ref,first_name,birth_year,situation,phone
Y1,Ida,2000,unemployed,+4521345678
Y2,Ali,2000,unemployed,+4521345679
"""
MENTORS = """ref,first_name,company,capacity,phone
M1,Henrik,Tømrer Jensen ApS,2,+4531345670
"""
# NOW is Thursday 26 Nov 2026. Ida's pair runs 1 Oct 2026 - 1 Jan 2027; Ali's ended early on
# 1 Oct 2026.
PAIRS = """youth_ref,mentor_ref,starts_on,ends_on,status,end_reason,ended_on
Y1,M1,2026-10-01,2027-01-01,active,,
Y2,M1,2026-07-01,2026-10-01,ended_early,youth_job_or_education,2026-10-01
"""


async def _import(runtime: object, tmp_path: Path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    result = await import_csv(runtime, kind, path)  # type: ignore[arg-type]
    assert result.rejected == [], result.rejected


async def test_imported_pairs_get_only_the_followups_still_ahead(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    runtime = make_runtime(engine, NOW, sessions)
    for kind, text in (("youths", YOUTHS), ("mentors", MENTORS), ("pairs", PAIRS)):
        await _import(runtime, tmp_path, kind, text)
    async with sessions() as session:
        ida = await session.scalar(select(Match).where(Match.status == "active"))
        ali = await session.scalar(select(Match).where(Match.status == "ended_early"))
        assert ida is not None and ali is not None
        rows = list(await session.scalars(select(FollowUp).where(FollowUp.match_id.is_not(None))))
    planned = {
        (fu.kind, fu.match_id): local_date(fu.due_at, COPENHAGEN)
        for fu in rows
        if fu.state == "pending"
    }
    # Ida's check-in was due 12 Nov (1 Oct + 42 days): past, so not planned. The no-meeting
    # nudge counts 14 days from the import (10 Dec), the hours check is the next 20th (Sunday
    # 20 Dec, so Monday 21 Dec: nothing goes out on Sundays and holidays), the closure is on the
    # end date (1 Jan is New Year's Day: 2 Jan) and the survey 3 months after it (1 Apr).
    assert planned == {
        ("no_meeting", ida.id): date(2026, 12, 10),
        ("hours", ida.id): date(2026, 12, 21),
        ("closure", ida.id): date(2027, 1, 2),
        ("outcome_survey", ida.id): date(2027, 4, 1),
        # Ali's pair ended 1 Oct: his survey is 3 months later, 1 Jan 2027, so 2 Jan.
        ("outcome_survey", ali.id): date(2027, 1, 2),
    }
    # The first sweep after the import sends nothing about the pairs.
    await sweep(runtime)
    async with sessions() as session:
        sent = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template.like("followup_%"))
            )
        )
    assert sent == []
    # On 10 Dec the quiet pair is nudged.
    later = make_runtime(engine, datetime(2026, 12, 10, 9, 30, tzinfo=UTC), sessions)
    await sweep(later)
    async with sessions() as session:
        nudges = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "followup_no_meeting")
            )
        )
    assert len(nudges) == 2  # Ida and Henrik
