"""The outcome survey for youths who were never matched, with their own yes: asked 6 weeks after
sign-up while they still wait, surveyed at sign-up + pair months + 3 months (the offset the
committee's comparison measures), and counted on the unmatched side of that comparison. Also:
a status recorded at closure never cancels a pair's +3-month survey."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import add_months
from core.runtime import Runtime
from mentoring.matches import accept_match, close_match, create_match
from mentoring.outcomes import register_outcome
from mentoring.people import add_contact
from mentoring.sweep import sweep
from storage.attribution import compare_matched_with_unmatched
from storage.models import Consent, FollowUp, Outcome, Programme
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import FakeClock, make_runtime

SIX_WEEKS = timedelta(days=42)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Runtime:
    return make_runtime(engine, clock, sessions)


async def _youth(runtime: Runtime, name: str) -> tuple[int, Chat]:
    """A youth who signed up at NOW and is reachable in the simulator."""
    async with runtime.sessions() as session, session.begin():
        person = await factories.youth(session, NOW, first_name=name)
        await add_contact(session, person, "web", name.lower(), verified=True)
    return person.id, Chat(runtime, address=name.lower())


async def _texts(chat: Chat) -> str:
    return "\n".join(m.body or "" for m in await chat.replies())


async def test_waiting_youth_says_yes_and_gets_the_survey_at_the_comparisons_offset(
    runtime: Runtime, clock: FakeClock
) -> None:
    sara, chat = await _youth(runtime, "Sara")
    clock.advance(SIX_WEEKS + timedelta(hours=1))  # 7 Jan 2027, 10:00 local
    await sweep(runtime)
    asked = await _texts(chat)
    assert "Du venter stadig på en mentor" in asked and "Svar ja eller nej" in asked

    # Signed up 26 Nov 2026; the pair would have run 3 months and the survey 3 months later.
    survey_day = add_months(date(2026, 11, 26), 3 + 3)
    assert survey_day == date(2027, 5, 26)
    reply = "\n".join(m.body or "" for m in await chat.send("ja gerne 👍"))
    assert "Tak! Vi skriver til dig omkring onsdag d. 26. maj" in reply
    async with runtime.sessions() as session:
        consent = await session.scalar(select(Consent).where(Consent.person_id == sara))
        assert consent is not None and consent.kind == "contact_later"

    clock.now = datetime(2027, 5, 26, 8, 5, tzinfo=UTC)  # 10:05 local
    await sweep(runtime)
    survey = await _texts(chat)
    assert "Du skrev dig op til en erhvervsmentor" in survey
    assert "Hvad laver du nu?" in survey
    await chat.send(option="ordinary_job")
    async with runtime.sessions() as session:
        outcome = await session.scalar(select(Outcome).where(Outcome.youth_id == sara))
        assert outcome is not None
        assert (outcome.source, outcome.observed_on) == ("survey", date(2027, 5, 26))
        # Nobody asks the coordinator about an unmatched youth's missing answer.
        chasers = await session.scalars(
            select(FollowUp).where(FollowUp.kind == "outcome_coordinator")
        )
        assert list(chasers) == []
        # The window is [26 May - 14 days, 26 May + 45 days] = [12 May, 10 Jul 2027]: measured
        # once it has closed, as one self-supporting youth on the unmatched side.
        programme = await session.scalar(select(Programme))
        assert programme is not None
        still_open = await compare_matched_with_unmatched(
            session, programme, date(2027, 7, 10), COPENHAGEN
        )
        assert still_open.unmatched.measured == 0
        closed = await compare_matched_with_unmatched(
            session, programme, date(2027, 7, 11), COPENHAGEN
        )
        assert (closed.unmatched.measured, closed.unmatched.self_supporting) == (1, 1)


async def test_no_is_respected_and_an_unclear_answer_gets_asked_again(
    runtime: Runtime, clock: FakeClock
) -> None:
    lea, chat = await _youth(runtime, "Lea")
    clock.advance(SIX_WEEKS + timedelta(hours=1))
    await sweep(runtime)
    await chat.replies()
    again = "\n".join(m.body or "" for m in await chat.send("hvad betyder det?"))
    assert "Svar bare ja eller nej" in again
    no = "\n".join(m.body or "" for m in await chat.send("nej tak"))
    assert "Helt i orden, vi spørger ikke igen" in no
    async with runtime.sessions() as session:
        assert await session.scalar(select(Consent).where(Consent.person_id == lea)) is None
        surveys = await session.scalars(select(FollowUp).where(FollowUp.kind == "outcome_survey"))
        assert list(surveys) == []


async def test_youth_matched_before_six_weeks_is_never_asked(
    runtime: Runtime, clock: FakeClock
) -> None:
    omar, chat = await _youth(runtime, "Omar")
    async with runtime.sessions() as session, session.begin():
        mentor = await factories.mentor(session, first_name="Henrik")
        match = await create_match(session, omar, mentor.id, now=NOW, tz=COPENHAGEN)
        await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
    clock.advance(SIX_WEEKS + timedelta(hours=1))
    await sweep(runtime)
    assert "Må vi skrive til dig" not in await _texts(chat)


async def test_youth_matched_after_saying_yes_gets_the_pairs_survey_not_the_unmatched_one(
    runtime: Runtime, clock: FakeClock
) -> None:
    ali, chat = await _youth(runtime, "Ali")
    clock.advance(SIX_WEEKS + timedelta(hours=1))
    await sweep(runtime)
    await chat.send("ja")
    async with runtime.sessions() as session, session.begin():
        mentor = await factories.mentor(session, first_name="Mette")
        now = clock()
        match = await create_match(session, ali, mentor.id, now=now, tz=COPENHAGEN)
        await accept_match(session, match.id, now=now, today=now.date(), tz=COPENHAGEN)
    await chat.replies()
    clock.now = datetime(2027, 5, 26, 8, 5, tzinfo=UTC)  # the unmatched survey's day
    await sweep(runtime)
    assert "Du skrev dig op til en erhvervsmentor" not in await _texts(chat)
    async with runtime.sessions() as session:
        row = await session.scalar(
            select(FollowUp).where(FollowUp.key == f"outcome_survey:youth:{ali}")
        )
        assert row is not None and row.state == "dropped"


async def test_status_recorded_at_closure_does_not_cancel_the_three_month_survey(
    runtime: Runtime, clock: FakeClock
) -> None:
    noah, chat = await _youth(runtime, "Noah")
    async with runtime.sessions() as session, session.begin():
        mentor = await factories.mentor(session, first_name="Jens")
        match = await create_match(session, noah, mentor.id, now=NOW, tz=COPENHAGEN)
        await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
        ends_on = match.ends_on
    assert ends_on == date(2027, 2, 26)
    end = datetime(2027, 2, 26, 12, tzinfo=UTC)
    async with runtime.sessions() as session, session.begin():
        await close_match(session, match.id, "completed", now=end, today=end.date(), tz=COPENHAGEN)
        # The coordinator notes where Noah stands on the day the pair closes.
        closure = await register_outcome(session, noah, "praktik", end.date(), source="coordinator")
        assert closure.at_closure
    await chat.replies()
    clock.now = datetime(2027, 5, 26, 8, 5, tzinfo=UTC)  # 26 Feb + 3 months, 10:05 local
    await sweep(runtime)
    assert "Det er 3 måneder siden, dit mentorforløb sluttede" in await _texts(chat)
