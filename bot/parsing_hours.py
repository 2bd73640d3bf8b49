"""Hours people say they met, in minutes: the one reader of hours, two ways.

- `hours_minutes`: the whole text is the answer to "how many hours?" ('2 timer', '1,5', '90 min',
  '/timer 2', 'halvanden time'); a bare number is read by the rule below.
- `hours_in`: hours said anywhere in a sentence, with their unit ('vi mødtes 2 timer i går').

Both read the same numbers (digits or words), units and "og 30 min" through `_minutes`; the
words around an amount ("ca", "tror jeg") and the words that take it back ("nej", "sorry") are
passed in from the words catalogues (`bot.understanding.answers.hours_minutes`/`hours_in`, which
everyone calls). Its own module, below `bot.understanding` and `bot.parsing`, so neither makes
an import cycle (ARCHITECTURE.md: no cycles).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from mentoring.text import fold

_NUMBERS = {
    "en": 1.0,
    "et": 1.0,
    "one": 1.0,
    "to": 2.0,
    "two": 2.0,
    "tre": 3.0,
    "three": 3.0,
    "fire": 4.0,
    "four": 4.0,
    "fem": 5.0,
    "five": 5.0,
    "seks": 6.0,
    "six": 6.0,
    "halv": 0.5,
    "half": 0.5,
    "halvanden": 1.5,
}
# "an hour", "a half hour": only with a unit, never a bare answer ("a" alone is no number).
_ARTICLES = {"an": 1.0, "a": 1.0}
# A number in digits, or in words standing alone ("to timer", not the "t" of "at" or "moment").
_NUMBER = (
    r"(?P<num>\d{1,3}(?:[.,]\d{1,2})?|(?:halvanden|halv|en|et|to|tre|fire|fem|seks|one|two|"
    r"three|four|five|six|half|an|a)(?=\s|$))"
)
# Units as typed, typos included ("timmer", "minuter"); a "kvarter" is 15 minutes.
_UNIT = (
    r"timmer|timer|timers|timr|tmer|time|tim|t|h|hrs|hr|hours|hour|kvarter|mins|min|minutter|"
    r"minuter|minuttter|minnutter|minut|minutes|minute"
)
_MINUTE_UNITS = {
    "min", "mins", "minutter", "minuter", "minuttter", "minnutter", "minut", "minutes", "minute",
    "m",
}  # fmt: skip
_MINUTES_EACH = {"kvarter": 15}
# "og 30 min", "og et kvarter", "og en halv": minutes on top of the hours
_EXTRA = (
    r"(?:\s+og\s+(?:(?P<min>\d{1,2})\s*(?:minutter|minuter|minutes|mins|min|m)"
    r"|(?P<quarter>et|1)\s+kvarter|(?P<half>en\s+halv|halv|a\s+half)))?"
)
# In a sentence: a number with its unit, starting a word ("2026 timer" is no 26 hours).
_IN_TEXT = re.compile(rf"(?<![\w.,]){_NUMBER}\s*(?P<unit>{_UNIT})\b{_EXTRA}")
# A whole answer: optionally the command first, the unit optional ("m" counts as minutes here).
_WHOLE = re.compile(
    rf"^(?:/?(?:timer|hours|hour|time|tid)\s+)?{_NUMBER}\s*(?P<unit>{_UNIT}|m)?{_EXTRA}$"
)
DAY = 24 * 60  # more than this said in a sentence is no meeting's hours


def _said(text: str) -> str:
    """Lower case, one space, '1½' as '1,5' and a lone '½' as '0,5'."""
    said = " ".join(text.strip().lower().split())
    said = re.sub(r"(\d)\s*(?:½|1/2)(?!\d)", r"\1,5", said)  # '1½', '1 1/2'
    return re.sub(r"(?<![\d/])(?:½|1/2)(?![\d/])", "0,5", said)


def _minutes(found: re.Match[str]) -> float:
    raw, unit = found.group("num"), found.group("unit")
    value = _NUMBERS.get(raw) or _ARTICLES.get(raw) or float(raw.replace(",", "."))
    minutes = value * _MINUTES_EACH.get(unit, 1 if unit in _MINUTE_UNITS else 60)
    extra = 15 if found.group("quarter") else 30 if found.group("half") else 0
    return minutes + int(found.group("min") or 0) + extra


def _corrected(said: str, corrections: Collection[str]) -> tuple[str, str] | None:
    """('2 timer', '3') for '2 timer... nej 3': what came before and after the last correction."""
    parts = re.split(r"(?:[\s!?…]|[.,](?!\d))+", said)  # "2,5" stays one word
    for i in range(len(parts) - 1, 0, -1):
        for size in (2, 1):
            if i - size >= 0 and fold(" ".join(parts[i - size : i])) in corrections:
                return " ".join(parts[: i - size]), " ".join(parts[i:])
    return None


def _in_its_unit(rest: str, before: re.Match[str] | None) -> str:
    """'3' after '2 timer... nej' is 3 of the same unit: '3 timer'."""
    if before is not None and re.fullmatch(r"\d{1,3}(?:[.,]\d{1,2})?", rest):
        return f"{rest} {before.group('unit') or ''}".strip()
    return rest


def _answer_of(said: str, hedges: Collection[str], corrections: Collection[str]) -> str:
    """The amount in an answer, without hedges ('ca 2 timer tror jeg' -> '2 timer'), smileys or
    a trailing '.!', and only what follows a correction ('2 timer... nej 3' -> '3 timer')."""
    corrected = _corrected(said, corrections)
    if corrected is None:
        return _plain(said, hedges)
    before, after = corrected
    return _in_its_unit(_plain(after, hedges), _WHOLE.match(_plain(before, hedges)))


def _plain(said: str, hedges: Collection[str]) -> str:
    """`said` without hedge words at either end and without anything but words at its end."""
    said = re.sub(r"[^\w½/]+$", "", said.strip())
    changed = True
    while changed and said:
        changed = False
        tokens = said.split()
        for size in (3, 2, 1):
            if len(tokens) > size and fold(" ".join(tokens[:size])) in hedges:
                said, changed = " ".join(tokens[size:]), True
                break
            if len(tokens) > size and fold(" ".join(tokens[-size:])) in hedges:
                said, changed = " ".join(tokens[:-size]), True
                break
        said = re.sub(r"[^\w½/]+$", "", said.strip())
    return said


def hours_minutes(
    text: str | None, *, hedges: Collection[str] = (), corrections: Collection[str] = ()
) -> int | None:
    """'2 timer', '1,5', '90 min', '/timer 2', '1 time og 30 min', 'halvanden time' -> minutes.

    A bare number means hours when it is at most 12, minutes from 15 up ('45' -> 45 minutes);
    values in between are ambiguous and return None so the flow asks again.
    """
    if not text:
        return None
    found = _WHOLE.match(_answer_of(_said(text), hedges, corrections))
    if not found or found.group("num") in _ARTICLES:
        return None
    if found.group("unit") is None and found.group("min") is None:
        value = _NUMBERS.get(found.group("num")) or float(found.group("num").replace(",", "."))
        if 12 < value < 15:
            return None
        minutes = value if value > 12 else value * 60
    else:
        minutes = _minutes(found)
    result = round(minutes)
    return result if result > 0 else None


def hours_in(
    text: str | None, *, hedges: Collection[str] = (), corrections: Collection[str] = ()
) -> int | None:
    """Minutes said anywhere in a sentence: 'vi mødtes 2 timer i går' -> 120, '90 min' -> 90."""
    if not text:
        return None
    said = _said(text)
    corrected = _corrected(said, corrections)
    if corrected is not None:  # "vi mødtes 2 timer... nej 3": what follows the correction
        before, after = corrected
        after = _in_its_unit(_plain(after, hedges), _IN_TEXT.search(before))
        said = after if _IN_TEXT.search(after) else said
    found = _IN_TEXT.search(said)
    if not found:
        return None
    result = round(_minutes(found))
    return result if 0 < result <= DAY else None
