"""Forgiving answer parsing in Danish and English: yes/no, option numbers, hours, small words.

Every parser returns None for "I could not tell" rather than guessing; the flow then asks again
with an example. Dates and times live in `bot.parsing_dates`; yes/no and the other words people
type come from the words catalogues through `bot.understanding`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.understanding.answers import hours_in, hours_minutes
from bot.understanding.reading import yes_no
from bot.understanding.words import fold, words

# Re-exported: flows read answers through this module.
__all__ = ["hours_in", "hours_minutes", "yes_no"]

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
