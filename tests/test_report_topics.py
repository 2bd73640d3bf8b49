"""The report counts the topics pairs talked about, per pair and overall, for the period; the
expected figures are worked out by hand from the tags below."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.matches import accept_match, create_match
from mentoring.report import build_report
from mentoring.topics import tag
from storage.models import Meeting
from tests.conftest import COPENHAGEN, NOW
from tests.factories import mentor, youth
from tests.runtime import make_runtime


async def test_report_counts_topics_per_pair_and_overall(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runtime = make_runtime(engine, NOW + timedelta(days=10), sessions)
    async with sessions() as session, session.begin():
        sara = await youth(session, NOW, first_name="Sara", topics=["job_search", "everyday"])
        omar = await youth(session, NOW, first_name="Omar", topics=["job_search"])
        await youth(session, NOW, first_name="Ida", topics=["social_skills", "job_search"])
        ids = []
        for y, name in ((sara, "Henrik"), (omar, "Lone")):
            m = await mentor(session, first_name=name, company_name=f"{name} ApS")
            match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
            await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
            ids.append((match.id, y.id, m.id))
        meetings = []
        for match_id, _, _ in ids + ids[:1]:
            meeting = Meeting(match_id=match_id, starts_at=NOW, status="held")
            session.add(meeting)
            await session.flush()
            meetings.append(meeting.id)
        (sara_pair, sara_id, henrik_id), (omar_pair, omar_id, _) = ids
        later = NOW + timedelta(days=1)
        # Sara's first meeting: both sides tag job search (counts once), Henrik adds everyday.
        await tag(session, sara_pair, ["job_search"], by=sara_id, now=later, meeting_id=meetings[0])
        await tag(session, sara_pair, ["job_search", "everyday"], by=henrik_id, now=later,
                  meeting_id=meetings[0])  # fmt: skip
        # Sara's second meeting: job search again.
        await tag(session, sara_pair, ["job_search"], by=sara_id, now=later, meeting_id=meetings[2])
        # Omar's meeting: social skills.
        await tag(session, omar_pair, ["social_skills"], by=omar_id, now=later,
                  meeting_id=meetings[1])  # fmt: skip
    _, sheets = await build_report(runtime, date(2026, 11, 1), date(2026, 12, 5), "da")
    by_key = {s.key: s for s in sheets}
    overall = {row[0]: row[1:] for row in by_key["topics"].rows}
    # (pairs that talked about it, meetings it was tagged at, youths who asked for it)
    assert overall["Jobsøgning"] == [1, 2, 3]  # Sara's pair at 2 meetings; Sara, Omar, Ida
    assert overall["Hverdagens udfordringer"] == [1, 1, 1]
    assert overall["Sociale færdigheder"] == [1, 1, 1]  # Omar's pair; Ida asked
    assert overall["Ansvar for eget liv"] == [0, 0, 0]
    assert by_key["topics_pairs"].rows == [
        [sara_pair, "Sara", "Henrik", "Jobsøgning", 2],
        [sara_pair, "Sara", "Henrik", "Hverdagens udfordringer", 1],
        [omar_pair, "Omar", "Lone", "Sociale færdigheder", 1],
    ]
    _, before = await build_report(runtime, date(2026, 11, 1), date(2026, 11, 26), "da")
    assert all(row[1] == 0 for row in {s.key: s for s in before}["topics"].rows)  # tagged 27th
