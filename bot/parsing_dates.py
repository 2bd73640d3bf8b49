"""Meeting times in Danish and English free text: 'i morgen kl. 15', 'tirsdag 14.30 på Café X'.

dateparser knows Danish but silently drops hours and misreads some phrasings (tech.md §7), so the
text is normalised first: the clock time is taken out by our own small grammar, the day phrase is
cleaned ('på', 'd.', 'den', 'næste', 'overmorgen') and only that is handed to dateparser, and every
result is checked. The flows always read the time back for confirmation.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTHS = (
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
    "january|february|march|may|june|july|october|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec"
)
_WEEKDAYS = (
    "mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tirs|tors"
)
_LEAD = r"(?:(?:på|om|on|this|den|d\.)\s+)?"
_DAY_PATTERNS = [
    re.compile(r"\b(?:i\s+overmorgen|overmorgen|day\s+after\s+tomorrow)\b"),
    re.compile(r"\b(?:i\s+morgen|imorgen|tomorrow|i\s+dag|idag|today)\b"),
    re.compile(
        rf"{_LEAD}\b(?:(?:næste|next)\s+)?(?:{_WEEKDAYS})\b(?:\s+(?:d\.|den)?\s*\d{{1,2}}\s*[./]\s*\d{{1,2}}\b\.?)?"
    ),
    re.compile(rf"{_LEAD}\b\d{{1,2}}\s*[/-]\s*\d{{1,2}}(?:\s*[/-]\s*\d{{2,4}})?\b"),
    re.compile(rf"{_LEAD}\b\d{{1,2}}\.?\s*(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b"),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:\s+\d{{4}})?"),
]
_TIME_PATTERNS = [
    # 14.30, 14:30, kl. 9.05, at 9:05 (not part of a date like 3.12.2026)
    re.compile(
        r"(?:\b(?:kl|klokken|at)\.?\s*)?(?<![\d./])(\d{1,2})[:.](\d{2})(?![\d./])(?:\s*(am|pm))?"
    ),
    # kl. 15, klokken 9, at 3 pm
    re.compile(r"\b(?:kl|klokken|at)\.?\s*(\d{1,2})(?![\d.:/]\d)(?:\s*(am|pm)\b)?"),
    # 3pm, 3 pm
    re.compile(r"(?<![\d./])(\d{1,2})\s*(am|pm)\b"),
]
_FILLER = re.compile(r"^(?:(?:på|paa|i|hos|ved|at|in|on|@|,|-|og|and|til|kl\.?)\s+)+|[\s,.-]+$")


@dataclass(frozen=True)
class When:
    """What was understood: a moment (UTC) when both day and time were given, or the parts."""

    day: date | None
    clock: time | None
    place: str | None
    starts_at: datetime | None


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    found = pattern.search(text)
    if not found:
        return None, text
    return found, (text[: found.start()] + " " + text[found.end() :])


def _clock(text: str) -> tuple[time | None, str]:
    for index, pattern in enumerate(_TIME_PATTERNS):
        found, rest = _take(pattern, text)
        if not found:
            continue
        groups = found.groups()
        hour = int(groups[0])
        minute = int(groups[1]) if index == 0 else 0
        meridiem = groups[2] if index == 0 else groups[1]
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None, text
        return time(hour, minute), rest
    return None, text


def _day_phrase(raw: str) -> str:
    said = re.sub(r"^(?:på|om|on|this|den|d\.)\s+", "", raw.strip())
    said = re.sub(r"\b(?:næste|next)\s+", "", said)
    said = re.sub(r"\b(?:i\s+overmorgen|overmorgen|day\s+after\s+tomorrow)\b", "om 2 dage", said)
    said = re.sub(r"\b(?:d\.|den)\s*", "", said)
    said = re.sub(r"\bimorgen\b", "i morgen", said)
    said = re.sub(r"\b(\d{1,2})\.\s*(?=[a-zæøå])", r"\1 ", said)  # '3. december' -> '3 december'
    said = re.sub(r"\b(tirs|tors)\b", lambda m: m.group(1) + "dag", said)
    said = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", said)
    return said.strip()


def _day(text: str, base: datetime) -> tuple[date | None, str, bool]:
    """(day, rest, found_a_day_phrase). A phrase dateparser cannot read gives (None, text, True)."""
    for pattern in _DAY_PATTERNS:
        found, rest = _take(pattern, text)
        if not found:
            continue
        phrase = _day_phrase(found.group(0))
        if phrase in ("i dag", "idag", "today"):
            return base.date(), rest, True
        weekday_and_date = re.fullmatch(
            rf"(?:{_WEEKDAYS})\w*\s+(\d{{1,2}})\s*[./]\s*(\d{{1,2}})\.?", phrase
        )
        if weekday_and_date:
            phrase = f"{weekday_and_date.group(1)}/{weekday_and_date.group(2)}"
        # Imported here: dateparser and its language data cost memory in every `serve` process
        # from start-up, and most messages never name a day.
        import dateparser

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = dateparser.parse(
                phrase,
                languages=["da", "en"],
                settings={
                    "PREFER_DATES_FROM": "future",
                    "RELATIVE_BASE": base.replace(tzinfo=None),
                    "DATE_ORDER": "DMY",
                    "PREFER_DAY_OF_MONTH": "first",
                },
            )
        if parsed is None:
            return None, text, True
        day = parsed.date()
        if day < base.date():
            return None, text, True
        return day, rest, True
    return None, text, False


def _localise(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time made real: a time skipped by the spring DST change moves forward."""
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=tz)
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if (
        round_trip.replace(tzinfo=None) != naive
    ):  # did not exist (02:30 on the last Sunday of March)
        local = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


def parse_when(text: str | None, now: datetime, tz: ZoneInfo) -> When | None:
    """Day, time and place out of free text; None when neither a day nor a time is in it."""
    if not text or len(text) > 300:
        return None
    base = now.astimezone(tz)
    said = " ".join(text.replace("\u00a0", " ").split()).lower()
    original = " ".join(text.replace("\u00a0", " ").split())
    clock, rest = _clock(said)
    day, rest, had_day = _day(rest, base)
    if had_day and day is None:
        return None
    if clock is None and day is None:
        return None
    place = _place(original, rest)
    if clock is not None and day is None:
        day = base.date()
        if _localise(day, clock, tz) <= now:
            day = day + timedelta(days=1)
    starts_at = _localise(day, clock, tz) if (day is not None and clock is not None) else None
    return When(day=day, clock=clock, place=place, starts_at=starts_at)


def _place(original: str, rest_lower: str) -> str | None:
    """The words left over, as the person wrote them: 'på Café Paradis' -> 'Café Paradis'."""
    leftover = _FILLER.sub("", " ".join(rest_lower.split())).strip()
    leftover = _FILLER.sub("", leftover).strip()
    if not leftover:
        return None
    start = original.lower().find(leftover)
    place = original[start : start + len(leftover)] if start >= 0 else leftover
    return place[:200] or None
