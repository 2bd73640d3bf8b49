"""Hours people say they met, in minutes: the one reader of hours, two ways.

- `hours_minutes`: the whole text is the answer to "how many hours?" ('2 timer', '1,5', '90 min',
  '/timer 2', 'halvanden time'); a bare number is read by the rule below.
- `hours_in`: hours said anywhere in a sentence, with their unit ('vi mødtes 2 timer i går').

Both read the same numbers (digits or words), units and "og 30 min" through `_minutes`. Its own
module, below `bot.understanding` and `bot.parsing`, so both can read hours without an import
cycle (ARCHITECTURE.md: no cycles).
"""

from __future__ import annotations

import re

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
_UNIT = r"timer|timers|time|tim|t|h|hrs|hr|hours|hour|min|minutter|minut|minutes|minute"
_MINUTE_UNITS = {"min", "minutter", "minut", "minutes", "minute", "m"}
_EXTRA = r"(?:\s+og\s+(?P<min>\d{1,2})\s*(?:min|minutter|minutes|m))?"
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
    return re.sub(r"(\d)\s*½", r"\1,5", said).replace("½", "0,5")


def _minutes(found: re.Match[str]) -> float:
    raw, unit = found.group("num"), found.group("unit")
    value = _NUMBERS.get(raw) or _ARTICLES.get(raw) or float(raw.replace(",", "."))
    minutes = value if unit in _MINUTE_UNITS else value * 60
    return minutes + int(found.group("min") or 0)


def hours_minutes(text: str | None) -> int | None:
    """'2 timer', '1,5', '90 min', '/timer 2', '1 time og 30 min', 'halvanden time' -> minutes.

    A bare number means hours when it is at most 12, minutes from 15 up ('45' -> 45 minutes);
    values in between are ambiguous and return None so the flow asks again.
    """
    if not text:
        return None
    found = _WHOLE.match(re.sub(r"[.!]$", "", _said(text)))
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


def hours_in(text: str | None) -> int | None:
    """Minutes said anywhere in a sentence: 'vi mødtes 2 timer i går' -> 120, '90 min' -> 90."""
    if not text:
        return None
    found = _IN_TEXT.search(_said(text))
    if not found:
        return None
    result = round(_minutes(found))
    return result if 0 < result <= DAY else None
