"""What a youth wants help with: asked at sign-up on SMS (numbers or words) and Telegram (taps),
kept per youth, changed at the summary, and shown on the mentor's introduction card."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.introductions import introduce
from mentoring.matches import create_match
from messaging.gsm7 import sms_cost
from storage.models import ContactPoint, Youth
from tests.conftest import COPENHAGEN, NOW
from tests.factories import mentor, youth
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _at_topics(runtime: Runtime, channel: str = "sms", hint: str | None = None) -> Chat:
    """A 22-year-old by SMS who has answered up to the interests: the topics question is next."""
    chat = Chat(runtime, channel=channel, address="+4522334455", language_hint=hint)
    for said in ["hej", "ja" if hint is None else "yes", "Omar", "22", "1", "3"]:
        await chat.send(said)
    return chat


async def _stored(runtime: Runtime) -> Youth:
    async with runtime.sessions() as session:
        found = await session.scalar(select(Youth))
        assert found is not None
        return found


async def test_topics_question_by_sms_lists_the_seven_topics_and_other_in_one_gsm7_text(
    runtime: Runtime,
) -> None:
    chat = await _at_topics(runtime)
    [question] = await chat.send("butik")
    body = question.body or ""
    assert body.startswith("Hvad vil du gerne have hjælp til? Skriv et eller flere tal (fx 1 3)")
    for line in ("1: Jobsøgning", "3: Praktik eller job i en virksomhed", "8: Andet"):
        assert line in body
    cost = sms_cost(body)
    assert cost.encoding == "GSM-7" and cost.segments <= 2


async def test_numbers_in_one_text_choose_several_topics_and_the_summary_shows_them(
    runtime: Runtime,
) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    assert "Hvor bor du?" in await chat.text("1 3")
    summary = await chat.text("8000")
    assert "Hjælp til: Jobsøgning, Praktik/job" in summary
    await chat.send("ja")
    stored = await _stored(runtime)
    assert stored.topics == ["job_search", "job_openings"] and stored.topics_text is None


async def test_other_asks_for_own_words_and_keeps_them(runtime: Runtime) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    assert "Skriv med dine egne ord" in await chat.text("8")
    assert "Hvor bor du?" in await chat.text("at flytte hjemmefra uden at gå ned")
    summary = await chat.text("8000")
    assert "Hjælp til: at flytte hjemmefra uden at gå ned" in summary
    await chat.send("ja")
    stored = await _stored(runtime)
    assert stored.topics == ["other"] and stored.topics_text == "at flytte hjemmefra uden at gå ned"


async def test_a_topic_and_own_words_in_one_text_keep_both(runtime: Runtime) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    await chat.send("praktik og min kæreste")
    await chat.send("8000")
    await chat.send("ja")
    stored = await _stored(runtime)
    assert stored.topics == ["job_openings", "other"] and stored.topics_text == "min kæreste"


async def test_ved_ikke_moves_on_without_topics(runtime: Runtime) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    assert "Hvor bor du?" in await chat.text("ved ikke")
    summary = await chat.text("8000")
    assert "Hjælp til" not in summary


async def test_a_question_instead_of_an_answer_is_answered_and_the_topics_asked_again(
    runtime: Runtime,
) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    again = await chat.text("hva mener du?")
    assert "Hvad vil du gerne have hjælp til?" in again and "Hvor bor du?" not in again


async def test_topics_can_be_changed_at_the_summary(runtime: Runtime) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    await chat.send("1")
    await chat.send("8000")
    assert "Hvad skal jeg rette?" in await chat.text("nej")
    assert "Hvad vil du gerne have hjælp til?" in await chat.text("hjælp til")
    summary = await chat.text("venner")
    assert "Hjælp til: Det sociale" in summary and "Er det rigtigt?" in summary


async def test_topics_in_english(runtime: Runtime) -> None:
    chat = await _at_topics(runtime, hint="en")
    question = await chat.text("shops")
    assert "What would you like help with?" in question and "7: Social skills" in question
    await chat.send("my cv and talking to new people")
    summary = await chat.text("8000")
    assert "Help with: Jobs, Social" in summary


async def test_mentor_introduction_card_shows_what_the_youth_wants_help_with(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        y = await youth(
            session, NOW, first_name="Amira", topics=["job_search", "other"], topics_text="familien"
        )
        m = await mentor(session)
        session.add(ContactPoint(person_id=m.id, channel="sms", address="+4520112233"))
        match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
        await introduce(session, runtime.renderer, match.id, now=NOW)
    [offer] = await Chat(runtime, channel="sms", address="+4520112233").replies()
    body = offer.body or ""
    assert "Vil gerne have hjælp til: Jobsøgning, familien" in body
    assert sms_cost(body).encoding == "GSM-7" and sms_cost(body).segments <= 2


async def test_alt_or_a_range_chooses_several_topics(runtime: Runtime) -> None:
    chat = await _at_topics(runtime)
    await chat.send("butik")
    await chat.send("lidt af det hele 😂")
    summary = await chat.text("8000")
    assert "Hjælp til: Jobsøgning, Uddannelse, Praktik/job, Eget liv, Hverdagen," in summary
    await chat.send("nej")
    await chat.send("hjælp til")
    assert "Hjælp til: Jobsøgning, Uddannelse, Praktik/job\n" in await chat.text("1-3")
