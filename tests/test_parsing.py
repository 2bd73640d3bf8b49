"""Parsing what people type: yes/no, option numbers, hours, ages, names with numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import parsing
from bot.understanding import answers
from mentoring.places import find_place


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True),
        ("Ja!", True),
        ("jep", True),
        ("OK", True),
        ("ok.", True),
        ("Yes", True),
        ("det passer", True),
        ("ja tak", True),
        ("👍", True),
        ("nej", False),
        ("Nej tak", False),
        ("kan ikke", False),
        ("no", False),
        ("nej, jeg kan ikke tirsdag", False),
        ("måske", None),
        ("", None),
        ("tirsdag", None),
    ],
)
def test_yes_no_reads_danish_and_english(text: str, expected: bool | None) -> None:
    assert parsing.yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2 timer", 120),
        ("2", 120),
        ("1,5", 90),
        ("1.5 timer", 90),
        ("90 min", 90),
        ("/timer 2", 120),
        ("timer 2", 120),
        ("TIMER 2", 120),
        ("1 time og 30 min", 90),
        ("halvanden time", 90),
        ("45", 45),
        ("2t", 120),
        ("3 hours", 180),
        ("½", 30),
        ("to timer", 120),
        ("30 minutter", 30),
    ],
)
def test_hours_minutes_reads_common_phrasings(text: str, minutes: int) -> None:
    assert parsing.hours_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "mange", "0", "13", "2 æbler", "-1"])
def test_hours_minutes_refuses_unclear_input(text: str) -> None:
    assert parsing.hours_minutes(text) is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("vi mødtes 2 timer i går", 120),
        ("vi mødtes ½ time", 30),  # was read as 5 hours
        ("vi mødtes 1½ time", 90),
        ("mødet varede 120 min i alt", 120),  # was read as 20 minutes
        ("we met for an hour", 60),
        ("we met at the cafe", None),  # "at" is no hour (it was one)
        ("det var et godt moment", None),  # nor the "ent" of "moment"
        ("vi ses på cafeen at 4", None),
    ],
)
def test_hours_in_a_sentence_are_read_like_a_whole_answer(text: str, minutes: int | None) -> None:
    """One reader of hours (bot/parsing_hours.py): in a sentence the same numbers and units as
    in a whole answer, and only a number that starts a word."""
    assert parsing.hours_in(text) == minutes


def test_option_numbers_accept_lists_and_reject_out_of_range() -> None:
    assert parsing.option_numbers("1 3", 5) == [0, 2]
    assert parsing.option_numbers("1, 3 og 5", 5) == [0, 2, 4]
    assert parsing.option_numbers("2+2", 5) == [1]
    assert parsing.option_numbers("7", 5) is None
    assert parsing.option_numbers("it og byg", 5) is None


def test_choose_by_number_key_or_label() -> None:
    keys, labels = ["yes", "no"], ["Ja", "Nej"]
    assert parsing.choose("2", keys, labels) == "no"
    assert parsing.choose("Ja", keys, labels) == "yes"
    assert parsing.choose("3", keys, labels) is None


def test_age_postcode_and_guardian_split() -> None:
    assert parsing.age("Jeg er 17 år") == 17
    assert parsing.age("17 eller 18") is None
    place = find_place("8000 Aarhus C")
    assert place is not None and (place.postcode, place.town) == ("8000", "Aarhus C")
    guardian = answers.guardian("Mette Hansen 12 34 56 78")
    assert (guardian.name, guardian.phone) == ("Mette Hansen", "12 34 56 78")
    assert answers.guardian("Mette").phone is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_parsers_never_crash_on_any_text(text: str) -> None:
    parsing.yes_no(text)
    parsing.hours_minutes(text)
    parsing.option_number(text, 5)
    parsing.option_numbers(text, 5)
    parsing.age(text)
    find_place(text)
    answers.guardian(text)
    answers.interests(text, ["it", "retail"])
    answers.company(text)
    answers.name_and_age(text)
    parsing.verification_code(text)
    parsing.choose(text, ["a", "b"], ["A", "B"])
