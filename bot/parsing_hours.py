"""Hours people say they met: '2 timer', '1,5', '90 min', 'halvanden time' -> minutes.

Its own module, below `bot.understanding` and `bot.parsing`, so both can read hours without an
import cycle (ARCHITECTURE.md: no cycles).
"""

from __future__ import annotations

import re

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
