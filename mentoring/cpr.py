"""Spotting Danish CPR numbers in free text, so no way in keeps one (SECURITY.md).

Every entry point calls this module: the conversation engine (chat, SMS, Telegram, simulator)
refuses a text holding one, dashboard forms are refused, imports reject the row, and what cannot
be refused (an e-mail already sent, a note for the coordinator) is stored through `redact`.

The format: DDMMYY-SSSS with a real birth date and no modulus-11 gate (numbers issued
since 2007 may fail it). People write them every way: `010203-1234`, `01.02.03-1234`,
`01 02 03 12 34`, `010203/1234`, `010203_1234`, full-width or other Unicode digits, with
zero-width characters in between. So the text is read as runs of digit groups joined by at most
three separator characters (spaces, dots, dashes of any kind, slashes, underscores, commas), and
any consecutive whole groups holding exactly ten digits with a real date are a CPR number. Whole
groups only: `010190-12345` (eleven digits) and a phone number `+45 22 33 44 55` are not.

Dates and times are not CPR numbers, though "01.02.26 12.30" has ten digits and a real date. So
the groups must split where a CPR splits, between the date (DDMMYY) and the serial: "01.02.2026
12.30" does not (its "2026" spans both). The date's groups are joined alike ("26 12.30" is no
date). And a date followed, after a space (a comma or a dash may stand beside it), by a serial
written HH.MM with a real time of day is a date and a time: "d. 01.02.26 12.30" is a meeting,
while "01 02 26 12 30", "01.02.26-12.30" and "010226-1230" are still refused.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date

_SEPARATOR_PUNCTUATION = frozenset("./_,\\")
_MAX_SEPARATOR = 3
_CPR_DIGITS = 10
REDACTED = "[CPR]"
_ANY_DIGIT = re.compile(r"\d")  # Unicode digits too: the cheap test before the careful one


def _century(yy: int, digit7: int) -> int:
    """The century from the 7th digit, as the CPR office defines it."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def _is_cpr(digits: str) -> bool:
    dd, mm, yy, serial = int(digits[:2]), int(digits[2:4]), int(digits[4:6]), digits[6:]
    try:
        date(_century(yy, int(serial[0])) + yy, mm, dd)
    except ValueError:
        return False
    return True


def _is_separator(char: str) -> bool:
    return (
        char.isspace()
        or char in _SEPARATOR_PUNCTUATION
        or unicodedata.category(char) in ("Pd", "Zs")  # every kind of dash and space
    )


def _groups(text: str) -> list[list[tuple[str, int, int]]]:
    """Runs of digit groups: each group is (ASCII digits, start, end) in the original text.

    Any Unicode decimal digit counts (full-width, Arabic-Indic, ...); invisible format
    characters (zero-width space, joiners, direction marks) are skipped as if absent.
    """
    runs: list[list[tuple[str, int, int]]] = []
    run: list[tuple[str, int, int]] = []
    digits, start, end, gap = "", -1, -1, 0
    for i, char in enumerate(text):
        value = unicodedata.decimal(char, None)
        if value is not None:
            if not digits:
                start = i
            digits += str(value)
            end, gap = i + 1, 0
            continue
        if unicodedata.category(char) == "Cf":
            continue
        if digits:
            run.append((digits, start, end))
            digits = ""
        if _is_separator(char) and run and gap < _MAX_SEPARATOR:
            gap += 1
            continue
        if run:
            runs.append(run)
        run, gap = [], 0
    if digits:
        run.append((digits, start, end))
    if run:
        runs.append(run)
    return runs


def _separator(text: str, left: tuple[str, int, int], right: tuple[str, int, int]) -> str:
    """What stands between two groups, invisible format characters left out."""
    return "".join(c for c in text[left[2] : right[1]] if unicodedata.category(c) != "Cf")


def _shaped_like_cpr(text: str, groups: list[tuple[str, int, int]]) -> bool:
    """Ten digits in these groups are written as a CPR number, not as a date and a time."""
    if len(groups) == 1:
        return True
    ends = [0]
    for digits, _, _ in groups:
        ends.append(ends[-1] + len(digits))
    if 6 not in ends:
        return False  # a group spans the date and the serial
    split = ends.index(6)
    date, serial = groups[:split], groups[split:]
    if len({_separator(text, a, b) for a, b in itertools.pairwise(date)}) > 1:
        return False
    if len(serial) == 2 and len(serial[0][0]) == 2:
        hour, minute = int(serial[0][0]), int(serial[1][0])
        between = _separator(text, date[-1], serial[0])
        if (
            _separator(text, serial[0], serial[1]) == "."
            and hour <= 23
            and minute <= 59
            and any(c.isspace() for c in between)
            and between.strip(", -\u2013") == ""
        ):
            return False  # "01.02.26 12.30": a date and a time of day
    return True


def _spans(text: str) -> list[tuple[int, int]]:
    """Where the CPR numbers are: (start, end) in the original text."""
    found: list[tuple[int, int]] = []
    if not _ANY_DIGIT.search(text):
        return found
    for run in _groups(text):
        for first in range(len(run)):
            joined = ""
            for last in range(first, len(run)):
                joined += run[last][0]
                if len(joined) > _CPR_DIGITS:
                    break
                if len(joined) == _CPR_DIGITS:
                    if _is_cpr(joined) and _shaped_like_cpr(text, run[first : last + 1]):
                        found.append((run[first][1], run[last][2]))
                    break
    return found


def contains_cpr(text: str | None) -> bool:
    """True when the text holds something shaped like a CPR number with a real birth date."""
    return bool(text) and bool(_spans(text or ""))


def redact(text: str) -> str:
    """The text with every CPR number replaced by [CPR], for what must be kept as it came."""
    spans = _spans(text)
    if not spans:
        return text
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue  # overlaps one already replaced
        out.append(text[at:start])
        out.append(REDACTED)
        at = end
    out.append(text[at:])
    return "".join(out)


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)
