"""STATUS ("hvornår ses vi", "hvor mange timer"): next meeting, this month's hours against the
goal, days left of the pair and what to do next, in one SMS segment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from messaging.gsm7 import sms_cost
from storage.models import ContactPoint, HoursReport, Match, Meeting
from tests.conftest import NOW
from tests.factories import active_pair
from tests.fakes.chat import Chat
from tests.runtime import make_runtime

YOUTH_PHONE = "+4522334455"


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _pair(runtime: Runtime, language: str = "da") -> tuple[Chat, Chat, Match]:
    async with runtime.sessions() as session, session.begin():
        y, m, match = await active_pair(session, NOW)
        y.language = m.language = language
        session.add(ContactPoint(person_id=y.id, channel="sms", address=YOUTH_PHONE, verified=True))
        session.add(ContactPoint(person_id=m.id, channel="telegram", address="4411"))
    return (
        Chat(runtime, channel="sms", address=YOUTH_PHONE),
        Chat(runtime, channel="telegram", address="4411"),
        match,
    )


def _one_segment(text: str) -> None:
    cost = sms_cost(text)
    assert cost.encoding == "GSM-7" and cost.segments == 1, (cost, text)


async def test_status_with_nothing_planned_says_book_a_meeting(runtime: Runtime) -> None:
    youth_chat, _, match = await _pair(runtime)
    assert match.ends_on is not None
    days = (match.ends_on - NOW.date()).days  # the pair's end date less today (Copenhagen)
    status = await youth_chat.text("STATUS")
    assert status == (
        f"Intet møde aftalt. Timer denne måned: 0 af 3. {days} dage tilbage. "
        "Aftal et møde: skriv MØDE."
    )
    _one_segment(status)


async def test_status_shows_the_next_meeting_hours_and_waiting_for_the_answer(
    runtime: Runtime,
) -> None:
    youth_chat, mentor_chat, match = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        session.add(
            HoursReport(match_id=match.id, minutes=90, month=NOW.date().replace(day=1))
        )  # 1.5 of the month's 3 hours
    await youth_chat.send("MØDE tirsdag kl 15 på biblioteket")
    status = await youth_chat.text("hvornår ses vi?")
    assert status.startswith(
        "Næste møde: tirsdag d. 1. december kl. 15.00 (ikke bekræftet). "
        "Timer denne måned: 1,5 af 3."
    )
    assert status.endswith("Venter på svar fra Henrik.")
    _one_segment(status)
    mentor_status = await mentor_chat.text("/status")
    assert "Svar JA eller NEJ til mødet." in mentor_status


async def test_status_after_confirming_says_report_hours_and_when_met_on_track(
    runtime: Runtime,
) -> None:
    youth_chat, _, match = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        session.add(
            Meeting(match_id=match.id, starts_at=NOW + timedelta(days=2), status="confirmed")
        )
    status = await youth_chat.text("hvor mange timer har vi??")
    assert "Næste møde: lørdag d. 28. november kl. 10.00." in status
    assert status.endswith("Skriv TIMER efter mødet.")
    async with runtime.sessions() as session, session.begin():
        session.add(HoursReport(match_id=match.id, minutes=180, month=NOW.date().replace(day=1)))
    assert (await youth_chat.text("status")).endswith("I er godt med!")


async def test_status_typed_as_a_17_year_old_would(runtime: Runtime) -> None:
    youth_chat, _, _ = await _pair(runtime)
    for said in ("hvornår ses vi igen 😅", "HVORNÅR ER NÆSTE MØDE", "hvor mange timer mangler vi"):
        assert "Timer denne måned" in await youth_chat.text(said), said


async def test_status_in_english(runtime: Runtime) -> None:
    youth_chat, _, _ = await _pair(runtime, language="en")
    status = await youth_chat.text("when do we meet")
    assert status.startswith("No meeting planned. Hours this month: 0 of 3.")
    assert status.endswith("Book a meeting: write MØDE.")
    _one_segment(status)


async def test_status_without_a_pair_says_there_is_none_yet(runtime: Runtime) -> None:
    from tests.factories import youth

    async with runtime.sessions() as session, session.begin():
        y = await youth(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel="sms", address="+4522990000"))
    chat = Chat(runtime, channel="sms", address="+4522990000")
    assert "Du har ikke et aktivt mentorpar endnu" in await chat.text("status")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("step", ["book", "answer", "wait", "report", "on_track"])
def test_every_status_fits_one_gsm7_segment_with_the_longest_values(
    language: str, step: str
) -> None:
    """The longest Danish date (onsdag d. 30. september), a long name, 12.5 hours, 100 days."""
    from datetime import UTC, datetime

    from messaging.render import Renderer
    from tests.conftest import COPENHAGEN

    text = Renderer(tz=COPENHAGEN).message(
        "status",
        language,
        "sms",
        meeting_at=datetime(2027, 9, 29, 13, 0, tzinfo=UTC),
        confirmed=False,
        total=12.5,
        goal=3,
        days_left=100,
        next_step=step,
        partner_name="Mathilde-Sofie",
    )
    _one_segment(text)
