"""CPR numbers are spotted in free text (no modulus-11 gate) so the bot can refuse them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentoring.cpr import contains_cpr, redact


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
