"""BESKED between the two sides of a running pair: passed on with the sender's first name and
never a number or chat id, answered the same way (a button on Telegram), CPR refused, counted
for the coordinator without the text; a text nothing else placed is offered for passing on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.relay import counts
from messaging.gsm7 import sms_cost
from storage.models import ContactPoint, InboxItem, Match, OutboxMessage, RelayedMessage
from tests.conftest import NOW
from tests.factories import youth
from tests.fakes.chat import Chat, pair_on_sms_and_telegram
from tests.runtime import make_runtime

YOUTH_PHONE, MENTOR_CHAT = "+4522334455", "880011"


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _pair(runtime: Runtime, language: str = "da") -> tuple[Chat, Chat, int]:
    """Sara (youth) by SMS and Henrik (mentor) on Telegram, in a running pair."""
    p = await pair_on_sms_and_telegram(runtime, YOUTH_PHONE, MENTOR_CHAT, language)
    return p.youth, p.mentor, p.match_id


async def test_besked_reaches_the_mentor_with_the_first_name_only_and_he_answers_by_button(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    assert "Sendt til Henrik." in await youth_chat.text("BESKED jeg kommer 10 min for sent 🙈")
    [relayed] = await mentor_chat.replies()
    body = relayed.body or ""
    assert body.startswith("Besked fra Sara: jeg kommer 10 min for sent")
    assert YOUTH_PHONE not in body and "22334455" not in body
    assert [o["key"] for o in relayed.options] == [f"relay:{match_id}"]
    assert "Hvad vil du skrive til Sara?" in await mentor_chat.text(option=f"relay:{match_id}")
    assert "Sendt til Sara." in await mentor_chat.text("helt fint, vi ses 👍")
    [answer] = await youth_chat.replies()
    text = answer.body or ""
    assert text.startswith("Besked fra Henrik: helt fint, vi ses")
    assert MENTOR_CHAT not in text and "Svar med BESKED og din tekst." in text
    cost = sms_cost(text)
    assert cost.encoding == "GSM-7" or cost.segments <= 2


async def test_a_text_nothing_else_places_is_offered_for_passing_on(runtime: Runtime) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime)
    offer = await youth_chat.text("jeg er lidt syg men kommer nok alligevel")
    assert "Skal jeg sende det til Henrik?" in offer and "forstod" not in offer
    assert "Svar JA eller NEJ." in offer
    assert "Sendt til Henrik." in await youth_chat.text("ja")
    [relayed] = await mentor_chat.replies()
    assert "Besked fra Sara: jeg er lidt syg men kommer nok alligevel" in (relayed.body or "")


async def test_no_to_the_offer_sends_nothing_and_a_new_text_is_read_afresh(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime)
    await youth_chat.send("hvad laver du i weekenden")
    assert "jeg sender det ikke" in await youth_chat.text("nej")
    await youth_chat.send("glem det lige")
    status = await youth_chat.text("hvornår ses vi")  # a question instead of yes/no
    assert "Intet møde aftalt." in status
    assert await mentor_chat.replies() == []


async def test_a_cpr_number_is_refused_and_never_passed_on(runtime: Runtime) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime)
    refused = await youth_chat.text("besked mit cpr er 010203-1234")
    assert "Sendt til" not in refused
    assert await mentor_chat.replies() == []
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RelayedMessage)) == 0


async def test_coordinator_counts_relayed_messages_per_pair_without_their_text(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    await youth_chat.send("BESKED er det ok hvis vi mødes på biblioteket?")
    await mentor_chat.send("/besked ja det er fint")
    await youth_chat.send("besked super tak")
    async with runtime.sessions() as session:
        assert await counts(session, [match_id]) == {match_id: 3}  # 2 from Sara, 1 from Henrik
        columns = set(RelayedMessage.__table__.columns.keys())
        assert columns == {"id", "match_id", "sender_id", "sent_at"}  # no text kept


async def test_a_long_text_is_asked_to_be_shorter(runtime: Runtime) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime)
    long_text = "jeg ville bare sige at " + "det går rigtig godt " * 15
    asked = await youth_chat.text(f"BESKED {long_text}")
    assert "højst 240 tegn" in asked
    assert "Sendt til Henrik." in await youth_chat.text("det går godt, tak!")
    assert "det går godt, tak!" in await mentor_chat.text()


async def test_besked_without_a_pair_goes_to_the_coordinator_as_before(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y = await youth(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel="sms", address=YOUTH_PHONE))
    chat = Chat(runtime, channel="sms", address=YOUTH_PHONE)
    assert "sendt til koordinatoren" in await chat.text("besked hvornår får jeg en mentor?")
    async with runtime.sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None and item.body == "hvornår får jeg en mentor?"


async def test_relay_in_english(runtime: Runtime) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime, language="en")
    assert "Sent to Henrik." in await youth_chat.text("message running late, sorry")
    relayed = await mentor_chat.text()
    assert relayed.startswith("Message from Sara: running late, sorry")
    offer = await youth_chat.text("the bus is stuck somewhere")
    assert "Shall I send that to Henrik?" in offer and "Reply YES or NO." in offer


async def test_the_relayed_text_is_blanked_by_an_erasure_like_every_message(
    runtime: Runtime,
) -> None:
    from mentoring.privacy import erase_person

    _, mentor_chat, match_id = await _pair(runtime)
    await mentor_chat.send("besked husk dit cv på tirsdag")
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        await erase_person(session, match.youth_id, actor="test", now=NOW)
    async with runtime.sessions() as session:
        bodies = await session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.template == "relay_message")
        )
        assert list(bodies) == [None]
