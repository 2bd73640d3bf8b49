"""The understanding corpus: every real-style message in tests/corpus/ read as expected.

Each entry is one message and what it must be read as (README, "Understanding"); a misread found
in use becomes an entry here first, then the words catalogues or the readers are fixed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.parsing import is_skip
from bot.parsing_dates import parse_when
from bot.understanding import answers
from bot.understanding.reading import read, yes_no
from mentoring.places import find_place
from mentoring.topics import CHOICES

CORPUS = Path(__file__).with_name("corpus")
CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Copenhagen
INTERESTS = [
    "it", "retail", "construction", "health", "transport", "hospitality",
    "crafts", "office", "creative", "industry", "green", "sports",
]  # fmt: skip
# The situations offered at each age, in the sign-up's order (lookups seeded by the migrations).
SITUATIONS = {
    "young": ["student_at_risk", "school_under_18", "left_school"],
    "adult": ["unemployed", "student_at_risk"],
}


def _load(language: str) -> list[dict[str, Any]]:
    with (CORPUS / f"understanding_{language}.yaml").open(encoding="utf-8") as fh:
        entries: list[dict[str, Any]] = yaml.safe_load(fh)
    return entries


DANISH, ENGLISH = _load("da"), _load("en")


def test_corpus_holds_enough_real_messages() -> None:
    assert len(DANISH) >= 300 and len(ENGLISH) >= 50


def _expect(entry: dict[str, Any], key: str, found: Any) -> None:
    if key in entry:
        wanted = entry[key]
        wanted = wanted.isoformat() if hasattr(wanted, "isoformat") else wanted
        assert found == wanted, f"{entry['text']!r}: {key} {found!r}, expected {wanted!r}"


def _check(entry: dict[str, Any]) -> None:
    text, step = entry["text"], entry.get("step")
    if step is None:
        reading = read(text, NOW, CPH)
        assert reading.intent == entry["intent"], f"{text!r} read as {reading.intents}"
        assert set(entry.get("also", [])) <= set(reading.intents[1:]), reading.intents
        for key in ("day", "time", "place", "minutes", "body", "outcome"):
            _expect(entry, key, reading.slots.get(key))
    elif step == "yesno":
        _expect(entry, "answer", yes_no(text))
    elif step == "time":
        when = parse_when(text, NOW, CPH, bare_hour=True)
        _expect(entry, "time", when.clock.strftime("%H:%M") if when and when.clock else None)
        if when is not None:
            _expect(entry, "confident", when.confident)
    elif step == "area":
        place = find_place(text)
        _expect(entry, "postcode", place.postcode if place else None)
        _expect(entry, "town", place.town if place else None)
    elif step == "interests":
        chosen, free = answers.interests(text, INTERESTS)
        _expect(entry, "interests", chosen)
        _expect(entry, "free", free)
    elif step == "topics":
        chosen, free = answers.topics(text, list(CHOICES))
        _expect(entry, "topics", chosen)
        _expect(entry, "free", free)
    elif step == "guardian":
        said = answers.guardian(text)
        for key in ("relation", "name", "phone", "email"):
            _expect(entry, key, getattr(said, key))
    elif step == "name":
        name, age = answers.name_and_age(text)
        _expect(entry, "name", name)
        _expect(entry, "age", age)
    elif step == "situation":
        codes = SITUATIONS["young" if entry["age"] < 18 else "adult"]
        said = "none" if answers.none_of_these(text) else answers.situation(text, codes)
        _expect(entry, "situation", said)
    elif step == "company":
        _expect(entry, "company", answers.company(text))
    elif step == "score":
        _expect(entry, "score", answers.score(text))
    elif step == "skip":
        _expect(entry, "skip", is_skip(text))
    elif step == "hours_goal":
        _expect(entry, "asks", answers.asks_hours_goal(text))
    else:
        pytest.fail(f"unknown step {step!r}")


@pytest.mark.parametrize("entry", DANISH, ids=[e["text"][:40] for e in DANISH])
def test_corpus_danish_message_is_understood(entry: dict[str, Any]) -> None:
    _check(entry)


@pytest.mark.parametrize("entry", ENGLISH, ids=[e["text"][:40] for e in ENGLISH])
def test_corpus_english_message_is_understood(entry: dict[str, Any]) -> None:
    _check(entry)
