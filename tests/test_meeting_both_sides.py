"""Both sides are asked whether a meeting was held, through the engine on SMS and Telegram:
either side's answer counts, the meeting keeps one duration (the hours count once), and a
disagreement (held against not held, or durations an hour or more apart) goes to the coordinator
once, with both answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.meetings import confirm_meeting, propose_meeting
from mentoring.people import add_contact
from mentoring.sweep import sweep
from storage.models import HoursReport, InboxItem, Meeting, MeetingAnswer
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import FakeClock, make_runtime

MEETING_AT = NOW + timedelta(days=5, hours=6)  # Tuesday 1 December, 16.00 in Copenhagen
ASKED_AT = MEETING_AT + timedelta(hours=3)  # 19.00: inside the allowed hours


@dataclass
class Pair:
    clock: FakeClock
    runtime: Runtime
    youth: Chat
    mentor: Chat
    meeting_id: int


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Runtime:
    return make_runtime(engine, clock, sessions)


async def _asked(
    runtime: Runtime, clock: FakeClock, *, mentor_channel: str = "telegram", mentor_lang: str = "da"
) -> Pair:
    """A pair with a confirmed meeting; the clock moves to 3 hours after it and the sweep asks."""
    async with runtime.sessions() as session, session.begin():
        y, m, match = await factories.active_pair(session, NOW)
        m.language = mentor_lang
        mentor_address = "7001" if mentor_channel == "telegram" else "+4522334455"
        await add_contact(session, y, "sms", "+4531415926", verified=True)
        await add_contact(session, m, mentor_channel, mentor_address, verified=True)
        meeting = await propose_meeting(
            session, match.id, y.id, MEETING_AT, "Café Paradis", now=NOW, tz=COPENHAGEN
        )
        await confirm_meeting(session, meeting.id, m.id, now=NOW, tz=COPENHAGEN)
        meeting_id = meeting.id
    pair = Pair(
        clock,
        runtime,
        Chat(runtime, channel="sms", address="+4531415926"),
        Chat(runtime, channel=mentor_channel, address=mentor_address),
        meeting_id,
    )
    await pair.youth.replies()
    await pair.mentor.replies()
    clock.now = ASKED_AT
    await sweep(runtime)
    return pair


async def _state(runtime: Runtime, meeting_id: int) -> tuple[str, list[int], list[str]]:
    async with runtime.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        minutes = list(await session.scalars(select(HoursReport.minutes)))
        kinds = list(await session.scalars(select(InboxItem.kind)))
        return meeting.status, minutes, kinds


async def test_both_sides_are_asked_and_agreeing_hours_count_once(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock)
    youth_q = await pair.youth.text()
    mentor_q = await pair.mentor.text()
    assert "Holdt I jeres møde tirsdag d. 1. december kl. 16.00?" in youth_q
    assert "Holdt I jeres møde tirsdag d. 1. december kl. 16.00?" in mentor_q
    assert "Hvor mange timer" in await pair.youth.text("ja")
    assert "2 timer er gemt" in await pair.youth.text("2")
    # The mentor answers later, in one text, on Telegram.
    said = await pair.mentor.text("jep vi mødtes 2 timer 👍")
    assert "Sara havde allerede skrevet 2 timer" in said
    assert "Et møde tæller én gang: det står nu til 2 timer" in said
    assert await _state(runtime, pair.meeting_id) == ("held", [120], [])


async def test_a_no_against_a_yes_keeps_the_meeting_held_and_tells_the_coordinator_once(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock)
    await pair.youth.send("ja")
    await pair.youth.send("1,5")
    answer = await pair.mentor.text("nej")
    assert "Sara svarede noget andet om det møde, så koordinatoren kigger på det" in answer
    status, minutes, kinds = await _state(runtime, pair.meeting_id)
    assert (status, minutes, kinds) == ("held", [90], ["meeting_disagreement"])
    async with runtime.sessions() as session:
        body = await session.scalar(select(InboxItem.body))
    assert body is not None and "Sara: holdt, 1,5 t" in body and "Henrik: ikke holdt" in body
    # A week of sweeps later: nobody is reminded, and no second item for the same meeting.
    for day in range(1, 10):
        clock.now = ASKED_AT + timedelta(days=day)
        await sweep(runtime)
    assert "Holdt I jeres møde" not in await pair.youth.text() + await pair.mentor.text()
    assert (await _state(runtime, pair.meeting_id))[2] == ["meeting_disagreement"]


async def test_durations_far_apart_go_to_the_coordinator_in_english(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock, mentor_lang="en")
    await pair.youth.send("ja")
    await pair.youth.send("1 time")
    assert "Did your meeting" in await pair.mentor.text()
    await pair.mentor.send(option="yes")
    said = await pair.mentor.text(option="h:120")
    assert "Sara answered differently about this meeting" in said
    status, minutes, kinds = await _state(runtime, pair.meeting_id)
    assert (status, minutes, kinds) == ("held", [120], ["meeting_disagreement"])


async def test_durations_close_together_are_no_disagreement(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock)
    await pair.youth.send("ja")
    await pair.youth.send("1 time")
    await pair.mentor.send("ja")
    await pair.mentor.send("90 min")
    assert await _state(runtime, pair.meeting_id) == ("held", [90], [])


async def test_the_busy_mentors_sms_ja_counts_and_the_youth_is_not_chased(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock, mentor_channel="sms")
    await pair.youth.replies()
    assert "Svar ja eller nej" in await pair.mentor.text()
    assert "Hvor mange timer" in await pair.mentor.text("JA")
    await pair.mentor.send("2t")
    assert await _state(runtime, pair.meeting_id) == ("held", [120], [])
    for day in range(1, 10):  # the youth never answers: no reminder, no silent-partner flag
        clock.now = ASKED_AT + timedelta(days=day)
        await sweep(runtime)
    assert "Holdt I jeres møde" not in await pair.youth.text()
    async with runtime.sessions() as session:
        flags = await session.scalar(select(func.count()).select_from(InboxItem))
        answers = list(await session.scalars(select(MeetingAnswer.minutes)))
    assert flags == 0 and answers == [120]


async def test_a_youth_who_said_no_first_is_overruled_by_the_mentors_yes(
    runtime: Runtime, clock: FakeClock
) -> None:
    pair = await _asked(runtime, clock)
    assert "Skriv MØDE for at finde et nyt tidspunkt" in await pair.youth.text(
        "nej det blev aflyst"
    )
    assert (await _state(runtime, pair.meeting_id))[0] == "no_show"
    await pair.mentor.send("ja")
    said = await pair.mentor.text("2")
    assert "Sara svarede noget andet" in said
    assert await _state(runtime, pair.meeting_id) == ("held", [120], ["meeting_disagreement"])
