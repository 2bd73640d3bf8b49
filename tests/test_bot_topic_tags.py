"""After a held meeting either side tags what they talked about in one tap or reply; between
meetings the pair gets at most one suggestion a week from the youth's open topics, in the
daytime, and none once every wished-for topic has been talked about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.prompts import ask
from mentoring.quiet_hours import next_allowed
from mentoring.sweep import sweep
from mentoring.topics import open_topics, talked_about
from storage.models import ContactPoint, FollowUp, Match, Meeting, OutboxMessage, PairTopic
from tests.conftest import COPENHAGEN, NOW
from tests.factories import mentor, youth
from tests.fakes.chat import Chat
from tests.runtime import FakeClock, make_runtime

WISHES = ["job_search", "social_skills"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Runtime:
    return make_runtime(engine, clock, sessions)


async def _pair(runtime: Runtime, language: str = "da") -> tuple[Chat, Chat, int]:
    """Sara (by SMS) wants help with job search and social skills; Henrik is on Telegram."""
    from mentoring.matches import accept_match, create_match

    async with runtime.sessions() as session, session.begin():
        y = await youth(session, NOW, topics=WISHES)
        m = await mentor(session)
        y.language = m.language = language
        match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
        await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
        session.add(ContactPoint(person_id=y.id, channel="sms", address="+4522334455"))
        session.add(ContactPoint(person_id=m.id, channel="telegram", address="5511"))
    return (
        Chat(runtime, channel="sms", address="+4522334455"),
        Chat(runtime, channel="telegram", address="5511"),
        match.id,
    )


async def _held_meeting_asked(runtime: Runtime, match_id: int, person: str) -> int:
    async with runtime.sessions() as session, session.begin():
        meeting = Meeting(match_id=match_id, starts_at=NOW - timedelta(hours=3), status="confirmed")
        session.add(meeting)
        await session.flush()
        match = await session.get(Match, match_id)
        assert match is not None
        who = match.youth_id if person == "youth" else match.mentor_id
        await ask(
            session,
            runtime.renderer,
            who,
            "meeting_held",
            {"meeting_id": meeting.id},
            "followup_meeting_held",
            {"starts_at": meeting.starts_at, "reminder": False},
            now=NOW,
        )
        return meeting.id


async def test_after_the_hours_the_youth_tags_topics_by_sms_numbers(runtime: Runtime) -> None:
    youth_chat, _, match_id = await _pair(runtime)
    meeting_id = await _held_meeting_asked(runtime, match_id, "youth")
    await youth_chat.replies()
    await youth_chat.send("ja")
    after_hours = await youth_chat.text("2 timer")
    assert "2 timer er gemt" in after_hours and "Hvad snakkede I om?" in after_hours
    assert "1: Jobsøgning" in after_hours and "9: Spring over" in after_hours
    assert "Tak, noteret: Jobsøgning, Det sociale." in await youth_chat.text("1 7")
    async with runtime.sessions() as session:
        tags = list(await session.scalars(select(PairTopic)))
        assert {(t.topic, t.meeting_id) for t in tags} == {
            ("job_search", meeting_id),
            ("social_skills", meeting_id),
        }
        match = await session.get(Match, match_id)
        assert match is not None and await open_topics(session, match) == []


async def test_the_mentor_tags_with_one_tap_and_a_topic_both_tagged_counts_once(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    await _held_meeting_asked(runtime, match_id, "mentor")
    await mentor_chat.replies()
    await mentor_chat.send("ja")
    [_, question] = await mentor_chat.send("1,5 time")
    assert "Tryk på emnet" in (question.body or "")
    assert [o["key"] for o in question.options][-2:] == ["t:other", "skip"]
    assert "Tak, noteret: Jobsøgning." in await mentor_chat.text(option="t:job_search")
    await youth_chat.send("timer 1,5")
    await youth_chat.send("ja")  # the same meeting
    await youth_chat.send("jobsøgning 👍")
    async with runtime.sessions() as session:
        assert await talked_about(session, match_id) == ["job_search"]
        assert len(list(await session.scalars(select(PairTopic)))) == 1


async def test_skip_or_something_else_leaves_the_tagging_at_once(runtime: Runtime) -> None:
    youth_chat, _, match_id = await _pair(runtime)
    await _held_meeting_asked(runtime, match_id, "youth")
    await youth_chat.replies()
    await youth_chat.send("ja")
    await youth_chat.send("2")
    assert "intet emne noteret" in await youth_chat.text("spring over")
    await youth_chat.send("timer 1")
    await youth_chat.send("ja")
    proposed = await youth_chat.text("kan vi mødes tirsdag kl 15?")  # not an answer: read afresh
    assert "Hvor skal I mødes?" in proposed and "noteret" not in proposed
    async with runtime.sessions() as session:
        assert await talked_about(session, match_id) == []


async def test_tagging_in_english(runtime: Runtime) -> None:
    youth_chat, _, match_id = await _pair(runtime, language="en")
    await _held_meeting_asked(runtime, match_id, "youth")
    await youth_chat.replies()
    await youth_chat.send("yes")
    assert "What did you talk about?" in await youth_chat.text("2 hours")
    assert "Thanks, noted: Social." in await youth_chat.text("talking to new people")


async def _suggestions(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.template == "followup_topic_suggestion")
                .order_by(OutboxMessage.id)
            )
        )


async def test_one_suggestion_a_week_from_the_open_topics_in_the_daytime(
    runtime: Runtime, clock: FakeClock
) -> None:
    await _pair(runtime)
    for days in range(1, 15):  # a sweep every day at 10:00 local for two weeks
        await sweep(runtime, NOW + timedelta(days=days))
    sent = await _suggestions(runtime)
    youth_side = [m for m in sent if m.channel == "sms"]
    mentor_side = [m for m in sent if m.channel == "telegram"]
    assert len(youth_side) == len(mentor_side) == 2  # day 7 and day 14: one a week each
    assert "snak om jobsøgning" in (youth_side[0].body or "")
    assert "Sara vil gerne have hjælp til sociale færdigheder" in (mentor_side[1].body or "")
    for message in sent:
        assert next_allowed(message.next_attempt_at, COPENHAGEN) == message.next_attempt_at


async def test_no_suggestion_once_every_wished_topic_was_talked_about(runtime: Runtime) -> None:
    from mentoring.topics import tag

    _, _, match_id = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        await tag(session, match_id, WISHES, by=None, now=NOW)
    await sweep(runtime, NOW + timedelta(days=7, hours=2))
    assert await _suggestions(runtime) == []
    async with runtime.sessions() as session:
        rows = list(
            await session.scalars(select(FollowUp).where(FollowUp.kind == "topic_suggestion"))
        )
        assert [r.state for r in rows if r.payload["round"] == 1] == ["dropped"]
