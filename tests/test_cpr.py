"""CPR numbers are spotted in free text (no modulus-11 gate) so the bot can refuse them, and a
date with a time of day ("d. 01.02.26 12.30", ten digits with a real date) is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from mentoring.cpr import contains_cpr, redact
from tests.conftest import NOW
from tests.fakes.chat import Chat
from tests.privacy_helpers import YOUTH_CHAT, chatting_pair
from tests.runtime import make_runtime


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234",
        "mit cpr er 0101901234",
        "CPR: 311299 4321",
        "010107-0000",  # 1 January 2007 birthday: fails modulus 11, still a CPR number
        "Hej, det er 2502054017 tak",
    ],
)
def test_contains_cpr_spots_numbers_with_a_real_date(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    ["12345678", "+4512345678", "3213901234", "010190-12345", "2 timer", "", "300290-1234"],
)
def test_contains_cpr_ignores_phone_numbers_and_impossible_dates(text: str) -> None:
    assert not contains_cpr(text)


def test_redact_replaces_only_the_cpr_number() -> None:
    assert redact("ring 12345678, cpr 010190-1234") == "ring 12345678, cpr [CPR]"


@given(st.text(max_size=60))
def test_contains_cpr_never_crashes(text: str) -> None:
    contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "d. 01.02.26 kl 12.30",
        "d. 01.02.26 12.30",
        "01.02.26 12.30",
        "den 01.02.26, 12.30",
        "01/02/26 12.30",
        "01.02.26 – 12.30",
        "01.02.2026 12.30",
        "kan vi ses 01.02.26 12.30-13.30?",
    ],
)
def test_a_date_and_a_time_of_day_is_no_cpr_number(text: str) -> None:
    assert not contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    ["01 02 26 12 30", "01.02.26-12.30", "010226-1230", "01.02.26 24.30", "010226 1230"],
)
def test_a_cpr_number_that_looks_like_a_date_and_a_time_is_still_spotted(text: str) -> None:
    assert contains_cpr(text)


async def test_a_youth_proposing_a_date_and_time_is_not_refused_as_a_cpr_number(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runtime = make_runtime(engine, NOW, sessions)
    async with runtime.transaction() as session:
        await chatting_pair(session, NOW)
    chat = Chat(runtime, address=YOUTH_CHAT)
    answer = await chat.text("kan vi ses d. 01.02.26 12.30?")
    assert "CPR" not in answer
    assert "CPR-nummer" in await chat.text("mit cpr er 01 02 03 12 34")
