"""News in the chat: the youth or their mentor telling us the youth got a job, an internship or a
school place becomes an outcome observation (source survey) and one inbox item for the
coordinator to confirm, answered warmly in one SMS; a question about it or an unrelated text
does not, nor news from someone without a pair, and a pair long over is not news for us."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from core.statuses import MatchStatus
from messaging.gsm7 import sms_cost
from storage.models import InboxItem, Match, Outcome
from tests.conftest import NOW
from tests.fakes.chat import Chat, pair_on_sms_and_telegram
from tests.runtime import make_runtime

YOUTH_PHONE, MENTOR_CHAT = "+4522334466", "880022"


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _pair(runtime: Runtime, language: str = "da") -> tuple[Chat, Chat, int, int]:
    """The youth by SMS and the mentor on Telegram, in a running pair."""
    p = await pair_on_sms_and_telegram(runtime, YOUTH_PHONE, MENTOR_CHAT, language)
    return p.youth, p.mentor, p.youth_id, p.match_id


async def _kept(runtime: Runtime) -> tuple[list[Outcome], list[InboxItem]]:
    async with runtime.sessions() as session:
        outcomes = list(await session.scalars(select(Outcome)))
        items = list(
            await session.scalars(select(InboxItem).where(InboxItem.kind == "outcome_said"))
        )
    return outcomes, items


async def test_the_youth_telling_of_a_school_place_is_kept_for_the_coordinator_to_confirm(
    runtime: Runtime,
) -> None:
    youth_chat, _, youth_id, match_id = await _pair(runtime)
    answer = await youth_chat.text("jeg er kommet ind på hf 🎉")
    assert answer == "Hvor fedt! Tillykke. Jeg giver koordinatoren besked."
    cost = sms_cost(answer)
    assert cost.encoding == "GSM-7" and cost.segments == 1
    [outcome], [item] = await _kept(runtime)
    assert outcome.youth_id == youth_id and outcome.statuses == ["education"]
    assert outcome.source == "survey" and outcome.match_id == match_id
    assert (
        outcome.at_closure
    )  # said while the pair runs: it never stands in for the +3-month survey
    assert item.person_id == youth_id and item.match_id == match_id
    assert "kommet ind på hf" in (item.body or "")


async def test_the_mentor_telling_that_she_got_a_job_is_about_his_youth(runtime: Runtime) -> None:
    _, mentor_chat, youth_id, _ = await _pair(runtime)
    assert "Hvor fedt!" in await mentor_chat.text("Hun har fået job i Netto, super stolt")
    [outcome], [item] = await _kept(runtime)
    assert outcome.youth_id == youth_id and outcome.statuses == ["ordinary_job"]
    assert item.person_id == youth_id


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("han er startet i praktik hos en tømrer", "praktik"),
        ("jeg har fået læreplads!!", "education"),
        ("jeg har faaet et fritidsjob", "smaajob"),
    ],
)
async def test_each_kind_of_news_is_kept_as_its_status(
    runtime: Runtime, said: str, status: str
) -> None:
    youth_chat, _, _, _ = await _pair(runtime)
    assert "Hvor fedt!" in await youth_chat.text(said)
    [outcome], [_item] = await _kept(runtime)
    assert outcome.statuses == [status]


async def test_english_news_is_answered_in_english(runtime: Runtime) -> None:
    youth_chat, _, _, _ = await _pair(runtime, "en")
    answer = await youth_chat.text("i got a job at the harbour")
    assert answer == "How great! Congratulations. I will tell the coordinator."
    [outcome], [_item] = await _kept(runtime)
    assert outcome.statuses == ["ordinary_job"]


@pytest.mark.parametrize(
    "said",
    [
        "har du fået job?",
        "har du et job til mig?",
        "job",
        "kan vi mødes tirsdag kl 15?",
        "did you get a job?",
    ],
)
async def test_a_question_or_another_text_is_not_news(runtime: Runtime, said: str) -> None:
    _, mentor_chat, _, _ = await _pair(runtime)
    answer = await mentor_chat.text(said)
    assert "Hvor fedt" not in answer and "How great" not in answer
    assert await _kept(runtime) == ([], [])


async def test_news_after_the_pair_ended_counts_until_its_outcome_window_closes(
    runtime: Runtime,
) -> None:
    youth_chat, _, _, match_id = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        match.status = MatchStatus.COMPLETED
        match.ends_on = NOW.date() - timedelta(days=30)
    assert "Hvor fedt!" in await youth_chat.text("jeg har fået en praktikplads")
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        match.ends_on = date(2025, 1, 31)  # its +3-month window closed long ago
    assert "Hvor fedt" not in await youth_chat.text("jeg har fået job")
    outcomes, items = await _kept(runtime)
    assert len(outcomes) == 1 and len(items) == 1


async def test_news_and_a_meeting_in_one_text_keeps_both(runtime: Runtime) -> None:
    youth_chat, _, _, match_id = await _pair(runtime)
    replies = "\n".join(
        m.body or "" for m in await youth_chat.send("jeg har fået job!! kan vi mødes tirsdag kl 15")
    )
    assert "Hvor fedt! Tillykke." in replies
    assert "Hvor skal I mødes?" in replies  # the meeting is taken up too
    assert "tirsdag d. 1. december kl. 15.00" in await youth_chat.text("café fjord")
    [outcome], [item] = await _kept(runtime)
    assert outcome.statuses == ["ordinary_job"] and item.match_id == match_id
