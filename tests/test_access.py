"""Nobody reaches another person's data: through the chat flows, the simulator, the webhooks,
the dashboard and the one-click e-mail links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.introductions import introduce
from mentoring.matches import accept_match, create_match
from mentoring.pairs import open_match_for
from mentoring.people import add_contact
from messaging.links import sign
from storage.models import Meeting, Mentor, OutboxMessage, Person
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.privacy_helpers import (
    MENTOR_CHAT,
    MENTOR_EMAIL,
    MENTOR_PHONE,
    YOUTH_CHAT,
    chatting_pair,
)
from tests.runtime import make_runtime
from web.app import create_app

YOUTH_SECRETS = ("+4531415926", "sara.n@example.dk", "unemployed", "Ledig")
MENTOR_SECRETS = (MENTOR_PHONE, MENTOR_EMAIL, "Jensen-Larsen")


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions, secret_key="k" * 40, run_scheduler=False)


async def test_access_match_introduction_carries_only_the_agreed_details(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        youth, mentor = await chatting_pair(session, NOW, active=False)
        mentor_row = await session.get(Mentor, mentor.id)
        assert mentor_row is not None
        mentor_row.last_name = "Jensen-Larsen"
        match = await open_match_for(session, youth.id)
        assert match is not None
        offer = await introduce(session, runtime.renderer, match.id, now=NOW)
        assert offer is not None
    assert "Sara" in (offer.body or "") and "22 år" in (offer.body or "")
    assert not [s for s in YOUTH_SECRETS if s in (offer.body or "")]

    accepted = await Chat(runtime, address=MENTOR_CHAT).text("ja")
    assert not [s for s in YOUTH_SECRETS if s in accepted]
    async with runtime.sessions() as session:
        told = " ".join(
            m.body or ""
            for m in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.person_id == youth.id)
            )
        )
    youth_chat = Chat(runtime, address=YOUTH_CHAT)
    assert "Henrik" in told and "Tømrermester" in told and "Tømrerfirmaet Jensen" in told
    assert not [s for s in MENTOR_SECRETS if s in told]
    mine = await youth_chat.text("mine data")
    assert "Henrik" in mine and not [s for s in MENTOR_SECRETS if s in mine]


async def test_access_a_mentor_only_ever_acts_on_their_own_pair(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        youth, _ = await chatting_pair(session, NOW)
        omar = await factories.youth(session, NOW, "Omar", phone="+4522998877")
        lone = await factories.mentor(session, "Lone", company_name="Kode & Co ApS")
        await add_contact(session, lone, "web", "sim-lone", verified=True)
        other = await create_match(session, omar.id, lone.id, now=NOW, tz=COPENHAGEN)
        await accept_match(session, other.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
    henrik = Chat(runtime, address=MENTOR_CHAT)
    mine = await henrik.text("mine data")
    assert "Omar" not in mine and "+4522998877" not in mine
    await henrik.text("MØDE tirsdag 15.00 Café Paradis")
    await henrik.text("timer 2")
    async with runtime.sessions() as session:
        meetings = list(await session.scalars(select(Meeting)))
        to_omar = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.person_id == omar.id))
        )
    assert {m.match_id for m in meetings} <= {(await _match_of(runtime, youth.id))}
    assert not [m for m in to_omar if "Henrik" in (m.body or "")]


async def _match_of(runtime: Runtime, person_id: int) -> int:
    async with runtime.sessions() as session:
        match = await open_match_for(session, person_id)
        assert match is not None
        return match.id


async def test_access_endpoints_refuse_other_sessions_forged_links_and_unsigned_webhooks(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"data_dir": tmp_path, "twilio_account_sid": "AC" + "1" * 32}
    )
    async with runtime.sessions() as session, session.begin():
        youth, mentor = await chatting_pair(session, NOW)
        match = await open_match_for(session, youth.id)
        assert match is not None
        meeting = Meeting(match_id=match.id, starts_at=NOW + timedelta(days=2), place="Kontoret",
                          status="proposed", proposed_by=youth.id)  # fmt: skip
        session.add(meeting)
    await Chat(runtime, address=YOUTH_CHAT).text("mine data")
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        other = await client.get("/dev/chat/api/messages", params={"address": "sim-someone-else"})
        assert other.status == 200 and await other.json() == []
        junk = await client.get("/dev/chat/api/messages", params={"address": YOUTH_CHAT[:-1]})
        assert await junk.json() == []
        bad_after = await client.get("/dev/chat/api/messages",
                                     params={"address": YOUTH_CHAT, "after": "x"})  # fmt: skip
        assert bad_after.status == 400
        phone_as_session = {"address": "+4531415926", "text": "x"}
        posted = await client.post("/dev/chat/api/send", json=phone_as_session)
        assert posted.status == 400
        unsigned = await client.post("/sms/inbound", data={"From": "+4531415926", "Body": "DATA"})
        assert unsigned.status == 403
        forged = sign("not-our-secret", {"m": meeting.id, "p": mentor.id}, NOW + timedelta(days=3))
        assert (await client.get(f"/links/confirm/{forged}")).status == 403
        for path in ("/", "/youths", f"/people/{youth.id}", f"/people/{youth.id}/export.json"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"].startswith("/login")
        erase = await client.post(f"/people/{youth.id}/erase", data={"confirm": "yes"},
                                  allow_redirects=False)  # fmt: skip
        assert erase.status in (303, 403)
    finally:
        await client.close()
    async with runtime.sessions() as session:
        again = await session.get(Meeting, meeting.id)
        assert again is not None and again.status == "proposed"
        still = await session.get(Person, youth.id)
        assert still is not None and still.status == "active"
