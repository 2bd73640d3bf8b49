"""Forgiving answer parsing in Danish and English: yes/no, option numbers, hours, small words.

Every parser returns None for "I could not tell" rather than guessing; the flow then asks again
with an example. Dates and times live in `bot.parsing_dates`; yes/no and the other words people
type come from the words catalogues through `bot.understanding`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.understanding.reading import yes_no
from bot.understanding.words import fold, words

__all__ = ["yes_no"]  # re-exported: flows read answers through this module

_PUNCT = re.compile(r"[!.,?;:)(\"']+")


def normalise(text: str) -> str:
    """Lower case, one space, no surrounding punctuation; æøå kept as they are."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _PUNCT.sub(" ", text)
    return " ".join(text.split())


def is_skip(text: str | None) -> bool:
    """'spring over', 'nej', 'ved ikke', 'skip' (the words catalogues' skip words)."""
    return bool(text) and fold(text or "") in words().skip


def option_number(text: str | None, count: int) -> int | None:
    """'2', '2.', 'nr 2', '#2' -> index 1 when 1 <= n <= count."""
    if not text:
        return None
    found = re.fullmatch(
        r"\s*(?:nr\.?|nummer|number|no\.?|#)?\s*(\d{1,2})\s*[.)]?\s*", text.lower()
    )
    if not found:
        return None
    n = int(found.group(1))
    return n - 1 if 1 <= n <= count else None


def option_numbers(text: str | None, count: int) -> list[int] | None:
    """Several choices: '1 3', '1, 3 og 5', '2+4' -> [0, 2, 4]; None if any number is off."""
    if not text:
        return None
    numbers = re.findall(r"\d+", text)
    rest = re.sub(r"\d+|og|and|,|\+|&|\s", "", text.lower())
    if not numbers or rest:
        return None
    picks = []
    for raw in numbers:
        n = int(raw)
        if not 1 <= n <= count:
            return None
        if n - 1 not in picks:
            picks.append(n - 1)
    return picks


def choose(text: str | None, keys: Sequence[str], labels: Sequence[str] = ()) -> str | None:
    """An option chosen in text: its number, its key or its label (case-insensitive)."""
    if not text:
        return None
    index = option_number(text, len(keys))
    if index is not None:
        return keys[index]
    said = normalise(text)
    for key, label in zip(keys, list(labels) + [""] * (len(keys) - len(labels)), strict=True):
        if said == normalise(key) or (label and said == normalise(label)):
            return key
    return None


_HOURS = re.compile(
    r"^(?:/?(?:timer|hours|hour|time|tid)\s+)?"
    r"(?P<num>\d{1,3}(?:[.,]\d{1,2})?|en|et|to|tre|fire|fem|seks|halv|halvanden|one|two|three|"
    r"four|five|six|half)\s*"
    r"(?P<unit>timer|time|t|tim|h|hrs|hr|hours|hour|min|minutter|minut|minutes|minute|m)?"
    r"(?:\s+og\s+(?P<min>\d{1,2})\s*(?:min|minutter|minutes|m))?$"
)
_WORDS = {
    "en": 1.0,
    "et": 1.0,
    "to": 2.0,
    "tre": 3.0,
    "fire": 4.0,
    "fem": 5.0,
    "seks": 6.0,
    "halv": 0.5,
    "halvanden": 1.5,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "half": 0.5,
}


def hours_minutes(text: str | None) -> int | None:
    """'2 timer', '1,5', '90 min', '/timer 2', '1 time og 30 min', 'halvanden time' -> minutes.

    A bare number means hours when it is at most 12, minutes from 15 up ('45' -> 45 minutes);
    values in between are ambiguous and return None so the flow asks again.
    """
    if not text:
        return None
    said = " ".join(text.strip().lower().split())
    said = re.sub(r"(\d)\s*½", r"\1,5", said).replace("½", "0,5")
    said = re.sub(r"[.!]$", "", said)
    found = _HOURS.match(said)
    if not found:
        return None
    raw, unit = found.group("num"), found.group("unit")
    value = _WORDS.get(raw)
    if value is None:
        value = float(raw.replace(",", "."))
    if unit in {"min", "minutter", "minut", "minutes", "minute", "m"}:
        minutes = value
    elif unit is None and found.group("min") is None and value > 12:
        if value < 15:
            return None
        minutes = value
    else:
        minutes = value * 60
    if found.group("min"):
        minutes += int(found.group("min"))
    result = round(minutes)
    return result if result > 0 else None


def age(text: str | None) -> int | None:
    """'17', '17 år', 'I am 17' -> 17; a plausible age only (10-99)."""
    if not text:
        return None
    numbers = re.findall(r"\d+", text)
    if len(numbers) != 1:
        return None
    n = int(numbers[0])
    return n if 10 <= n <= 99 else None


def verification_code(text: str | None) -> str | None:
    if not text:
        return None
    found = re.fullmatch(r"\s*(\d{4,6})\s*", text)
    return found.group(1) if found else None
