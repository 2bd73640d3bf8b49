"""JOB from a mentor through the engine (SMS and Telegram, both languages): three questions make
a proposed opening with origin "mentor" at the mentor's company; it counts toward the
job_openings target only after the coordinator confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from core.statuses import OpeningStatus
from mentoring.openings import confirm_job_opening
from mentoring.people import add_contact
from storage.models import JobOpening, Mentor, Programme
from storage.targets import measure_targets
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _mentor(runtime: Runtime, channel: str, address: str, language: str = "da") -> int:
    async with runtime.sessions() as session, session.begin():
        m = await factories.mentor(session)
        m.language = language
        await add_contact(session, m, channel, address, verified=True)
        return m.id


async def _openings(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        programme = await session.scalar(select(Programme))
        assert programme is not None
        figures = await measure_targets(
            session, programme, NOW + timedelta(days=1), NOW.date() + timedelta(days=1), COPENHAGEN
        )
        return figures["job_openings"].numerator


async def test_busy_mentor_registers_a_lead_by_sms_and_it_counts_once_confirmed(
    runtime: Runtime,
) -> None:
    mentor_id = await _mentor(runtime, "sms", "+4522334455")
    chat = Chat(runtime, channel="sms", address="+4522334455")
    kinds = await chat.text("JOB")
    assert "Hvad slags er det?" in kinds and "2: En praktikplads" in kinds
    assert "Hvornår starter det?" in await chat.text("2")
    assert "Beskriv det på én linje" in await chat.text("fra januar")
    assert "Koordinatoren kigger på det" in await chat.text("lagermedhjælper 20 t om ugen 👍")
    async with runtime.sessions() as session:
        opening = await session.scalar(select(JobOpening))
        mentor = await session.get(Mentor, mentor_id)
    assert opening is not None and mentor is not None
    assert (opening.kind, opening.origin, opening.status) == ("praktik", "mentor", "proposed")
    assert opening.mentor_id == mentor_id and opening.company_id == mentor.company_id
    assert opening.title == "lagermedhjælper 20 t om ugen 👍 (fra januar)"
    before = await _openings(runtime)
    async with runtime.sessions() as session, session.begin():
        await confirm_job_opening(session, opening.id, NOW.date())
    assert await _openings(runtime) == before + 1


async def test_mentor_on_telegram_in_english_taps_the_kind(runtime: Runtime) -> None:
    await _mentor(runtime, "telegram", "7001", "en")
    chat = Chat(runtime, channel="telegram", address="7001")
    [kinds] = await chat.send("job")
    assert "What kind is it?" in (kinds.body or "")
    assert [o["label"] for o in kinds.options][:2] == ["A job", "An internship (praktik)"]
    assert "When does it start?" in await chat.text(option="k:laereplads")
    await chat.send("now")
    assert "The coordinator will look at it" in await chat.text("carpenter apprentice")
    async with runtime.sessions() as session:
        opening = await session.scalar(select(JobOpening))
    assert opening is not None and opening.kind == "laereplads"
    assert opening.status == OpeningStatus.PROPOSED


async def test_a_youth_writing_job_is_not_taken_for_a_lead(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y = await factories.youth(session, NOW)
        await add_contact(session, y, "sms", "+4531415926", verified=True)
    answer = await Chat(runtime, channel="sms", address="+4531415926").text("job")
    assert "Hvad slags er det?" not in answer
    async with runtime.sessions() as session:
        assert await session.scalar(select(JobOpening)) is None
