"""Consent and guardians through the real conversation engine: withdrawing the share consent,
informing a 15-17-year-old's guardian by SMS or e-mail and the guardian's objection (an SMS
answer, or the signed link in the e-mail)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.errors import DomainError
from mentoring.matches import create_match
from mentoring.pairs import open_match_for
from storage.models import Consent, InboxItem, OutboxMessage, Person, Youth
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.privacy_helpers import YOUTH_CHAT, chatting_pair
from tests.runtime import make_runtime
from web.app import create_app

GUARDIAN = "+4520304050"
BASE = "https://mentor.example.dk"
UNDER_18 = ["yes", "Sara", "17", "sit:school_under_18", "1 3", "1", "7100 Vejle", "skip",
            "Mette Hansen 20 30 40 50", "yes"]  # fmt: skip


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _sign_up_under_18(runtime: Runtime, answers: list[str] = UNDER_18) -> None:
    chat = Chat(runtime, channel="web", address="sim-minor")
    await chat.text("/start")
    for answer in answers:
        if answer in ("yes", "skip") or answer.startswith("sit:"):
            await chat.text(option=answer)
        else:
            await chat.text(answer)


async def test_consent_withdrawal_in_chat_stops_sharing_and_tells_the_coordinator(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        youth, mentor = await chatting_pair(session, NOW, active=False)
    chat = Chat(runtime, address=YOUTH_CHAT)
    answer = await chat.text("Træk samtykke tilbage")
    assert "vi deler ikke længere dine oplysninger med en mentor" in answer
    async with runtime.sessions() as session:
        consent = await session.scalar(select(Consent).where(Consent.person_id == youth.id))
        assert consent is not None and consent.withdrawn_at is not None
        assert consent.text_version == "2026-11"  # the version the person saw is kept
        item = await session.scalar(select(InboxItem).where(InboxItem.kind == "consent_withdrawn"))
        assert item is not None and item.person_id == youth.id
        assert await open_match_for(session, youth.id) is None  # the offer to the mentor is off
        with pytest.raises(DomainError) as refused:
            await create_match(session, youth.id, mentor.id, now=NOW, tz=COPENHAGEN)
        assert refused.value.key == "consent_withdrawn"
    mine = await chat.text("mine data")
    assert "Du har sagt ja til" not in mine
    again = await chat.text("withdraw consent")
    assert "Du har ikke givet os lov" in again


async def test_guardian_of_a_17_year_old_is_told_how_to_object_and_objection_pauses(
    runtime: Runtime,
) -> None:
    await _sign_up_under_18(runtime)
    async with runtime.sessions() as session:
        sms = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "privacy_guardian_informed")
        )
        assert sms is not None and (sms.channel, sms.address) == ("sms", GUARDIAN)
        assert "Svar NEJ, hvis du er imod" in (sms.body or "")
        people_before = await session.scalar(select(func.count()).select_from(Person))

    guardian = Chat(runtime, channel="sms", address=GUARDIAN)
    help_text = await guardian.text("Hvad er det for noget?")
    assert "Svar NEJ, hvis du er imod" in help_text
    objected = await guardian.text("Nej tak")
    assert "Vi har noteret, at du er imod" in objected
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == people_before
        sara = await session.scalar(select(Person).where(Person.first_name == "Sara"))
        assert sara is not None and sara.status == "paused"
        youth = await session.get(Youth, sara.id)
        assert youth is not None and youth.guardian_objected_at is not None
        item = await session.scalar(select(InboxItem).where(InboxItem.kind == "guardian_objection"))
        assert item is not None and item.person_id == sara.id
        with pytest.raises(DomainError):
            await create_match(
                session, sara.id, (await factories.mentor(session)).id, now=NOW, tz=COPENHAGEN
            )
    minor = Chat(runtime, channel="web", address="sim-minor", _update=100)
    await minor.text()
    resumed = await minor.text("start")
    assert "Din forælder eller værge har sagt nej" in resumed
    async with runtime.sessions() as session:
        sara = await session.scalar(select(Person).where(Person.first_name == "Sara"))
        assert sara is not None and sara.status == "paused"


async def test_guardian_is_not_told_when_the_programme_turns_it_off(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        programme = await factories.programme(session)
        programme.inform_guardians = False
    await _sign_up_under_18(runtime)
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert youth is not None and youth.guardian_phone == GUARDIAN
        assert youth.guardian_informed_at is None
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.address == GUARDIAN)
        )
        assert sent == 0


async def test_guardian_by_email_gets_a_link_that_asks_first_then_records_the_objection(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    runtime = make_runtime(engine, NOW, sessions, secret_key="a-test-secret-that-is-long-enough",
                           public_base_url=BASE, data_dir=tmp_path)  # fmt: skip
    answers = [
        a if not a.startswith("Mette") else "Mette Hansen mette@example.dk" for a in UNDER_18
    ]
    await _sign_up_under_18(runtime, answers)
    async with runtime.sessions() as session:
        [mail] = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == "privacy_guardian_informed")
            )
        )
    assert (mail.channel, mail.address) == ("email", "mette@example.dk")
    body = mail.body or ""
    assert "Hej Mette Hansen." in body and "Hvis du er imod, at Sara er med" in body
    url = next(w for w in body.split() if w.startswith(f"{BASE}/links/guardian/"))
    path = url.removeprefix(BASE)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")

    async def sara_status() -> str:
        async with runtime.sessions() as session:
            sara = await session.scalar(select(Person).where(Person.first_name == "Sara"))
            assert sara is not None
            return sara.status

    async with TestClient(TestServer(create_app(runtime))) as client:
        asked = await client.get(path)  # what a mail scanner or link preview would do
        assert asked.status == 200
        page = await asked.text()
        assert "Er du imod, at Sara er med" in page and "Ja, jeg er imod" in page
        assert await sara_status() == "active"
        refused = await client.post(forged)
        assert refused.status == 403 and "ikke gyldigt" in await refused.text()
        assert await sara_status() == "active"
        objected = await client.post(path)
        assert objected.status == 200
        assert "Vi har noteret, at du er imod" in await objected.text()
        assert await sara_status() == "paused"
        again = await client.post(path)
        assert "Vi har allerede noteret" in await again.text()
    async with runtime.sessions() as session:
        items = list(await session.scalars(select(InboxItem.kind)))
    assert items == ["guardian_objection"]  # the coordinator is told once
