"""Spotting Danish CPR numbers in free text, so the bot can refuse them before anything is kept.

denmark.md §2: DDMMYY-SSSS, hyphen or space optional, a real date, and no modulus-11 gate (numbers
issued since 2007 may fail it). We never need a CPR number, so a match is refused, never stored.
"""

from __future__ import annotations

import re
from datetime import date

_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})[-\s]?(\d{4})(?!\d)")


def _century(yy: int, digit7: int) -> int:
    """The century from the 7th digit, as the CPR office defines it."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def _is_date(dd: str, mm: str, yy: str, serial: str) -> bool:
    year = _century(int(yy), int(serial[0])) + int(yy)
    try:
        date(year, int(mm), int(dd))
    except ValueError:
        return False
    return True


def contains_cpr(text: str | None) -> bool:
    """True when the text holds something shaped like a CPR number with a real birth date."""
    if not text:
        return False
    return any(_is_date(*m.groups()) for m in _CPR.finditer(text))


def redact(text: str) -> str:
    """The text with every CPR-shaped number replaced, for the rare place that must keep text."""
    return _CPR.sub(lambda m: "[CPR]" if _is_date(*m.groups()) else m.group(0), text)
