"""The log of a complete flow holds no message body, token, password, phone number or e-mail."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.coordinators import add_coordinator
from mentoring.introductions import introduce
from mentoring.matches import create_match
from mentoring.people import add_contact
from mentoring.privacy import purge
from storage.models import Person
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import FakeClock, make_runtime

PHONE, EMAIL = "+4531415926", "sara.n@example.dk"
MENTOR_PHONE, MENTOR_EMAIL = "+4522334455", "henrik@jensen-tomrer.dk"
PASSWORD, TOKEN = "rigtig-hest-batteri-42", "42:SECRET-TOKEN-abc"
# Our own code; a driver logging SQL parameters at DEBUG (aiosqlite) is kept at INFO in production.
OUR_LOGGERS = {"bot", "mentoring", "messaging", "web", "storage", "scheduler", "cli", "settings",
               "aiogram", "aiohttp"}  # fmt: skip
SIGNUP = [("yes", None), (None, "Sara"), (None, "22"), ("sit:unemployed", None), ("no", None),
          (None, "1 og hemmelig-hobby-xyz"), (None, "1"), (None, "8000 Aarhus"),
          ("yes", None)]  # fmt: skip


async def test_logs_of_a_complete_flow_hold_no_bodies_secrets_or_contact_data(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name in OUR_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    runtime = make_runtime(engine, NOW, sessions, telegram_bot_token=TOKEN)
    youth = Chat(runtime, channel="sms", address=PHONE)
    await youth.text("Hej, jeg vil gerne have en mentor")
    for option, said in SIGNUP:
        await youth.text(said, option=option)
    async with runtime.sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.first_name == "Sara"))
        assert person is not None and person.status == "active"
        mentor = await factories.mentor(session, phone=MENTOR_PHONE, email=MENTOR_EMAIL)
        await add_contact(session, mentor, "web", "sim-henrik", verified=True)
        await add_coordinator(session, "koordinator@jobcenter.example.dk", PASSWORD)
        match = await create_match(session, person.id, mentor.id, now=NOW, tz=COPENHAGEN)
        await introduce(session, runtime.renderer, match.id, now=NOW)
    henrik = Chat(runtime, address="sim-henrik")
    await henrik.text("ja")
    await youth.text("MØDE tirsdag 15.00 Café Paradis")
    await henrik.text("ja")
    assert isinstance(runtime.clock, FakeClock)
    runtime.clock.now = NOW + timedelta(days=6)
    await youth.text("timer 2")
    await youth.text("mine data")
    await youth.text("slet mine data")
    await youth.text("ja")
    await purge(runtime)

    ours = [r for r in caplog.records if r.name.split(".")[0] in OUR_LOGGERS]
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert ours  # the flow did log
    for secret in (PHONE, PHONE[3:], EMAIL, MENTOR_PHONE, MENTOR_EMAIL, PASSWORD, TOKEN,
                   "Café Paradis", "hemmelig-hobby-xyz", "Dine data er slettet"):  # fmt: skip
        assert secret not in text, secret
