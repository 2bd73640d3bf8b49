"""A 17-year-old signing up by SMS the way people write: a question back instead of an answer,
"vet ikke" for "I don't know". Each was misread once (found trying it as the person): a
question was kept as a first name or as interests."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from storage.models import ConversationState, Person
from tests.conftest import NOW
from tests.factories import programme
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _at_interests(runtime: Runtime) -> Chat:
    """Amalie, 16 and at school, by SMS, asked what she is interested in."""
    async with runtime.sessions() as session, session.begin():
        await programme(session)
    chat = Chat(runtime, channel="sms", address="+4540404040")
    for said in ("hej", "ja", "Amalie", "16"):
        await chat.text(said)
    assert "Hvad er du interesseret i?" in await chat.text("2")
    return chat


async def _data(runtime: Runtime) -> dict[str, object]:
    async with runtime.sessions() as session:
        state = await session.scalar(select(ConversationState))
        assert state is not None
        return dict(state.data or {})


@pytest.mark.parametrize("question", ["hvorfor skal i vide det?", "hvorfor?", "hva mener du"])
async def test_a_why_at_the_name_question_is_answered_and_not_kept_as_her_name(
    runtime: Runtime, question: str
) -> None:
    async with runtime.sessions() as session, session.begin():
        await programme(session)
    chat = Chat(runtime, channel="sms", address="+4540404040")
    await chat.text("hej")
    await chat.text("ja")
    why = await chat.text(question)
    assert why == (
        "Vi bruger kun dit fornavn, så din mentor og koordinatoren ved, hvad du hedder. "
        "Hvad er dit fornavn?"
    )
    assert await chat.text("Amalie") == "Dejligt at møde dig, Amalie! Hvor gammel er du?"
    async with runtime.sessions() as session:
        names = list(await session.scalars(select(Person.first_name)))
    assert (await _data(runtime)).get("first_name") == "Amalie"  # kept for the sign-up's end
    assert not any(name and "hv" in name.lower() for name in names)


async def test_a_question_back_at_interests_is_asked_again_not_kept_as_her_words(
    runtime: Runtime,
) -> None:
    chat = await _at_interests(runtime)
    again = await chat.text("hva mener du")
    assert again.startswith("Godt spørgsmål!") and "Hvad er du interesseret i?" in again
    assert (await _data(runtime)).get("interests_text") is None


@pytest.mark.parametrize("unsure", ["vet ikke", "aner det ikke", "ved ik", "idk"])
async def test_i_dont_know_at_interests_goes_on_without_interests(
    runtime: Runtime, unsure: str
) -> None:
    chat = await _at_interests(runtime)
    assert "Hvad vil du gerne have hjælp til?" in await chat.text(unsure)
    data = await _data(runtime)
    assert (data.get("interests"), data.get("interests_text")) == ([], None)
