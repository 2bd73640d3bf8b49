"""Meeting times in Danish and English free text: 'i morgen kl. 15', 'tirsdag 14.30 på Café X',
'halv fire', 'tirsdag passer ikke, kan du onsdag kl 16?'.

dateparser knows Danish but silently drops hours and misreads some phrasings, so the text is
normalised first: clauses that turn a time down ('tirsdag passer ikke') are set aside, the clock
time is taken out by our own small grammar (with 'halv fire' = 15.30 and a bare 1-7 meaning the
afternoon), the day phrase is cleaned ('på', 'd.', 'den', 'næste', 'overmorgen', 'tirs', 'lordag')
and only that is handed to dateparser, and every result is checked. A place is only what the
person gave as a place: words after 'på'/'hos'/'ved' (with 'hos'/'ved'/'i' kept: 'hos Jonas'), or
a name-like rest; never leftover words.
'næste tirsdag' and 'tirsdag i næste uge' are the Tuesday of next calendar week. What is unsure
(a bare 8-11, any 'næste', a weekday that does not fit the date, a time read out of a refusal) is
marked `confident=False` so the flow reads it back with its date before anything is sent
(README, "Understanding").
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
# Full names first (the regex takes the first alternative that matches); then the short and the
# misspelt forms people type, each mapped back to the full name for dateparser.
_WEEKDAY_SPELLINGS = {
    "mandag": "mandag",
    "tirsdag": "tirsdag",
    "onsdag": "onsdag",
    "torsdag": "torsdag",
    "fredag": "fredag",
    "lørdag": "lørdag",
    "søndag": "søndag",
    "monday": "monday",
    "tuesday": "tuesday",
    "wednesday": "wednesday",
    "thursday": "thursday",
    "friday": "friday",
    "saturday": "saturday",
    "sunday": "sunday",
    "lordag": "lørdag",
    "loerdag": "lørdag",
    "sondag": "søndag",
    "soendag": "søndag",
    "tirsd": "tirsdag",
    "tirs": "tirsdag",
    "tir": "tirsdag",
    "onsd": "onsdag",
    "ons": "onsdag",
    "torsd": "torsdag",
    "tors": "torsdag",
    "tor": "torsdag",
    "fre": "fredag",
    "lør": "lørdag",
    "søn": "søndag",
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
}
_WEEKDAYS = "|".join(_WEEKDAY_SPELLINGS)
_WEEKDAY_NUMBER = {
    name: n % 7
    for n, name in enumerate(
        ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}  # fmt: skip
_LEAD = r"(?:(?:på|paa|om|on|this|den|d\.)\s+)?"
_NEXT = r"(?:(?:næste|naeste|next)\s+)"
_DAY_PATTERNS = [
    re.compile(r"\b(?:i\s+overmorgen|overmorgen|day\s+after\s+tomorrow)\b"),
    re.compile(r"\b(?:i\s+morgen|imorgen|imorn|i\s+morn|tomorrow|i\s+dag|idag|today)\b"),
    re.compile(r"\bom\s+(?:en|1)\s+uge\b|\bom\s+(?:14|fjorten)\s+dage\b|\bin\s+a\s+week\b"),
    re.compile(
        rf"(?:\b(?:i\s+)?(?:næste|naeste)\s+uge\s+)?"  # "næste uge onsdag"
        rf"{_LEAD}\b{_NEXT}?(?:{_WEEKDAYS})\b(?:\s+i\s+næste\s+uge)?"
        rf"(?:\s+(?:d\.|den)?\s*\d{{1,2}}\s*[./]\s*\d{{1,2}}\b\.?"
        rf"|\s+(?:d\.|den)?\s*\d{{1,2}}\.?\s*(?:{_MONTHS})\b\.?)?"  # "tirsdag d. 8. december"
    ),
    re.compile(rf"{_LEAD}\b\d{{1,2}}\s*[/-]\s*\d{{1,2}}(?:\s*[/-]\s*\d{{2,4}})?\b"),
    re.compile(rf"{_LEAD}\b\d{{1,2}}\.?\s*(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b"),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:\s+\d{{4}})?"),
]
_NUMBER_WORDS = {
    "et": 1,
    "en": 1,
    "to": 2,
    "tre": 3,
    "fire": 4,
    "fem": 5,
    "seks": 6,
    "syv": 7,
    "otte": 8,
    "ni": 9,
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
}
_HOUR = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\b"
_KL = r"(?:\b(?:kl|klokken|at)\.?\s*)"
_TIME_PATTERNS = [
    # halv fire = 15.30, kvart over 2 = 14.15, kvart i 3 = 14.45 (half *to*, never half past)
    ("half", re.compile(rf"{_KL}?\bhalv\s+{_HOUR}\b")),
    ("quarter_past", re.compile(rf"{_KL}?\bkvart\s+over\s+{_HOUR}\b")),
    ("quarter_to", re.compile(rf"{_KL}?\bkvart\s+i\s+{_HOUR}\b")),
    # 14.30, 14:30, kl. 9.05, at 9:05 (not part of a date like 3.12.2026)
    (
        "hhmm",
        re.compile(rf"{_KL}?(?<![\d./])(\d{{1,2}})[:.](\d{{2}})(?![\d./])(?:\s*(am|pm))?"),
    ),
    # kl 1500
    ("hhmm_compact", re.compile(rf"{_KL}(\d{{2}})(\d{{2}})\b")),
    # kl. 15, klokken 9, at 3 pm, kl tre
    ("hour", re.compile(rf"{_KL}{_HOUR}(?![\d.:/]\d)(?:\s*(am|pm)\b)?")),
    # 3pm, 3 pm
    ("meridiem", re.compile(r"(?<![\d./])(\d{1,2})\s*(am|pm)\b")),
]
_BARE_HOUR = re.compile(r"^\s*(\d{1,2})\s*$")
# "MØDE tirsdag 15", "fredag 14", "i morgen 16": a lone number right after the day is its hour
# (the help's own example), unless it is a date ("tirsdag 8/12", "tirsdag 8.") or an amount.
_DAY_THEN_HOUR = re.compile(
    rf"\b((?:{_WEEKDAYS})\w*|i\s+morgen|imorgen|i\s+dag|idag|i\s+overmorgen|overmorgen)"
    r"\s+(\d{1,2})\b(?!\s*[./:,]\s*\d|\.|\s*(?:dage|uger|timer|time|min|t\b))"
)
_PM_HINT = re.compile(
    r"\b(?:om\s+eftermiddagen|i\s+eftermiddag|eftermiddag|om\s+aftenen|i\s+aften)\b"
)
_PARTS_OF_DAY = re.compile(
    r"\b(?:i\s+eftermiddag|i\s+formiddag|i\s+aften|i\s+morges|om\s+eftermiddagen|"
    r"om\s+formiddagen|om\s+aftenen|om\s+morgenen|efter\s+skole|efter\s+arbejde|"
    r"efter\s+frokost|over\s+middag|in\s+the\s+(?:afternoon|morning|evening)|after\s+school)\b"
)
_TODAY_PARTS = re.compile(r"\b(?:i\s+eftermiddag|i\s+formiddag|i\s+aften)\b")
_NEGATION = re.compile(
    r"(?<!\bkan vi )(?<!\bskal vi )(?<!\bkan du )(?<!\bvil du )(?<!\bkan i )"
    r"\b(?:ikke|ik|ikk|not|can't|cant|cannot|don't|doesn't|won't)\b"
)
_CLAUSE = re.compile(r"[,;!?]+|(?<=[a-zæøå]{4})\.(?:\s|$)|\s(?:men|but|eller|or)\s")
_PLACE_MARKER = re.compile(r"(?:^|\s)(?P<marker>på|paa|hos|ved|i|at|@)\s+(?P<place>\S.*)$")
# "hos mig", "hos ham": a person's home is a place, though "mig" alone never is one.
_AT_SOMEONE = re.compile(r"(?:^|\s)(?P<place>hos\s+(?:mig|dig|os|jer|ham|hende|dem))[\s,.?!]*$")
# The word the templates put before a bare place ("på Café Paradis"); any other one the person
# wrote is kept, so "hos Jonas" and "i byen" are read back as written (messages/_place.j2).
_PLAIN_MARKERS = ("på", "paa", "at", "@")
# Words that never make up a place: what is left of "kan vi mødes ...?" or "efter skole".
_NOT_PLACE = set(
    "kan ka vi du jeg ikke ik ikk passer passe godt så sa mødes modes møde mode moede ses "  # noqa: SIM905
    "skal vil gerne evt måske maaske ved hvad hva hvornår hvorn mig dig os det er var tak "
    "ok okay hej hey hi men eller og også lige nok efter før inden stedet istedet "
    "meet meeting can we you could would how about instead i'm not is it ok thanks "
    "time timer tid dag uge næste naeste kl klokken om kommer have har få lidt senere "
    "tidligere fint super jo ja nej nope mødet modet shall let's lets "
    "går igår forgårs morges aftes sammen".split()  # "vi mødtes 2 timer i går" names no place
)
_FILLER = re.compile(r"^(?:(?:på|paa|i|hos|ved|at|in|on|@|,|-|og|and|til|kl\.?)\s+)+|[\s,.?!-]+$")


@dataclass(frozen=True)
class When:
    """What was understood. `day` is the day the person named (None when they named none);
    `starts_at` (UTC) is set when a time was named, on the named day or else the next one
    with that time. `confident` is False when the flow should read it back first."""

    day: date | None
    clock: time | None
    place: str | None
    starts_at: datetime | None
    confident: bool = True
    refused: bool = False  # a clause turned a time down ("tirsdag passer ikke")
    alone: bool = False  # the text said nothing else ("tirsdag", "på torsdag kl 15?")


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    found = pattern.search(text)
    if not found:
        return None, text
    return found, (text[: found.start()] + " " + text[found.end() :])


def _hour(raw: str) -> int:
    return _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)


def _afternoon(hour: int) -> int:
    """A bare 1-7 in a meeting means the afternoon (kl 3 = 15.00)."""
    return hour + 12 if 1 <= hour <= 7 else hour


def _clock(text: str, *, bare: bool = False) -> tuple[time | None, str, bool]:
    """(time, rest, confident). `bare`: a lone number is an hour (the answer to 'what time?')."""
    for kind, pattern in _TIME_PATTERNS:
        found, rest = _take(pattern, text)
        if not found:
            continue
        groups = found.groups()
        confident = True
        meridiem = None
        if kind in ("half", "quarter_to"):
            hour, minute = _afternoon(_hour(groups[0])) - 1, 30 if kind == "half" else 45
        elif kind == "quarter_past":
            hour, minute = _afternoon(_hour(groups[0])), 15
        elif kind in ("hhmm", "hhmm_compact"):
            hour, minute = int(groups[0]), int(groups[1])
            meridiem = groups[2] if kind == "hhmm" else None
        elif kind == "hour":
            hour, minute, meridiem = _hour(groups[0]), 0, groups[1]
        else:
            hour, minute, meridiem = int(groups[0]), 0, groups[1]
        if kind in ("hour", "hhmm") and meridiem is None and hour <= 12:
            if _PM_HINT.search(text) or (kind == "hour" and 1 <= hour <= 7):
                hour = hour + 12 if hour < 12 else hour
            elif kind == "hour" and 8 <= hour <= 11:
                confident = False  # 8-11 alone: morning or evening? read it back
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            return None, text, True
        return time(hour, minute), rest, confident
    if bare:
        found = _BARE_HOUR.match(text)
        if found and 1 <= int(found.group(1)) <= 23:
            hour = int(found.group(1))
            return time(_afternoon(hour)), "", not 8 <= hour <= 11
    return None, text, True


def _day_phrase(raw: str) -> str:
    said = re.sub(
        r"^(?:i\s+)?(?:næste|naeste)\s+uge\s+", "", raw.strip()
    )  # "i næste uge på fredag"
    said = re.sub(r"^(?:på|paa|om|on|this|den|d\.)\s+(?!\d+\s+dage|en\s+uge|1\s+uge)", "", said)
    said = re.sub(r"\s+i\s+næste\s+uge\b", "", said)
    said = re.sub(r"\b(?:næste|naeste|next)\s+", "", said)
    said = re.sub(r"\b(?:i\s+overmorgen|overmorgen|day\s+after\s+tomorrow)\b", "om 2 dage", said)
    said = re.sub(r"\b(?:imorn|i\s+morn)\b", "i morgen", said)
    said = re.sub(r"\bom\s+1\s+uge\b|\bin\s+a\s+week\b", "om en uge", said)
    said = re.sub(r"\bom\s+fjorten\s+dage\b", "om 14 dage", said)
    said = re.sub(r"\b(?:d\.|den)\s*", "", said)
    said = re.sub(r"\bimorgen\b", "i morgen", said)
    said = re.sub(r"\b(\d{1,2})\.\s*(?=[a-zæøå])", r"\1 ", said)  # '3. december' -> '3 december'
    said = re.sub(rf"\b(?:{_WEEKDAYS})\b", lambda m: _WEEKDAY_SPELLINGS[m.group(0)], said)
    said = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", said)
    return said.strip()


def _day(text: str, base: datetime) -> tuple[date | None, str, bool, bool]:
    """(day, rest, found_a_day_phrase, confident). A phrase dateparser cannot read gives
    (None, text, True, True)."""
    for pattern in _DAY_PATTERNS:
        found, rest = _take(pattern, text)
        if not found:
            continue
        raw = found.group(0)
        phrase = _day_phrase(raw)
        confident = not re.search(r"\b(?:næste|naeste|next)\b", raw)
        next_day = re.search(rf"\b{_NEXT}(?:{_WEEKDAYS})\b", raw)
        if phrase in ("i dag", "idag", "today"):
            return base.date(), rest, True, True
        named = re.match(rf"^({_WEEKDAYS})\w*\s+(?=\d)", phrase)
        weekday_and_date = re.fullmatch(
            rf"(?:{_WEEKDAYS})\w*\s+(\d{{1,2}})\s*[./]\s*(\d{{1,2}})\.?", phrase
        )
        if weekday_and_date:
            phrase = f"{weekday_and_date.group(1)}/{weekday_and_date.group(2)}"
        # "tirsdag 8 december": the date says the day (the weekday only repeats it); a weekday
        # that does not fit the date ("mandag 8/12", a Tuesday) makes the reading unsure, so the
        # date is read back with its real weekday before anything is booked.
        phrase = re.sub(rf"^(?:{_WEEKDAYS})\w*\s+(?=\d)", "", phrase)
        weekday_only = phrase in _WEEKDAY_SPELLINGS.values()
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
            return None, text, True, True
        day = parsed.date()
        if weekday_only and day == base.date():
            day += timedelta(days=7)  # "på mandag" said on a Monday is next week's
        if next_day or re.search(r"\b(?:næste|naeste)\s+uge\b", raw):
            day = _in_next_week(day, base.date())
        if day < base.date():
            return None, text, True, True
        if named and _WEEKDAY_NUMBER[_WEEKDAY_SPELLINGS[named.group(1)]] != day.weekday():
            confident = False
        return day, rest, True, confident
    return None, text, False, True


def _in_next_week(day: date, today: date) -> date:
    """The same weekday in next calendar week (Monday to Sunday): "onsdag i næste uge" and
    "næste uge onsdag" said on Thursday 26 November are Wednesday 2 December, said on Monday
    30 November the 9th. "næste tirsdag" is read the same way, but for many people it is the
    week after the coming one (danish-texting.md), so, like every "næste", it is read back with
    its date before anything is booked (`confident` is False for it)."""
    next_monday = today + timedelta(days=7 - today.weekday())
    return next_monday + timedelta(days=day.weekday())


def localise(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time made real: a time skipped by the spring DST change moves forward."""
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=tz)
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if (
        round_trip.replace(tzinfo=None) != naive
    ):  # did not exist (02:30 on the last Sunday of March)
        local = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return local.astimezone(ZoneInfo("UTC"))


def _kept_clauses(said: str) -> tuple[str, bool]:
    """The text without the clauses that turn something down; True when one was dropped."""
    parts = [p for p in _CLAUSE.split(said) if p and p.strip()]
    kept = [p for p in parts if not _NEGATION.search(p)]
    return " , ".join(kept), len(kept) < len(parts)


def parse_when(
    text: str | None, now: datetime, tz: ZoneInfo, *, bare_hour: bool = False
) -> When | None:
    """Day, time and place out of free text; None when neither a day nor a time is in it.

    `bare_hour`: the text answers "what time?", so a lone "15" or "3" is an hour.
    """
    if not text or len(text) > 300:
        return None
    base = now.astimezone(tz)
    original = " ".join(text.replace("\u00a0", " ").split())
    said, refused = _kept_clauses(original.lower())
    said = _DAY_THEN_HOUR.sub(r"\1 kl \2", said)
    clock, rest, clock_sure = _clock(said, bare=bare_hour)
    day, rest, had_day, day_sure = _day(rest, base)
    if had_day and day is None:
        return None
    if day is None and _TODAY_PARTS.search(rest):
        day = base.date()
    rest = _PARTS_OF_DAY.sub(" ", rest)
    if clock is None and day is None:
        return None
    place = _place(original, rest)
    starts_at = None
    if clock is not None:
        on = day if day is not None else base.date()
        if day is None and localise(on, clock, tz) <= now:
            on = on + timedelta(days=1)
        starts_at = localise(on, clock, tz)
    confident = clock_sure and day_sure and not refused
    alone = not re.sub(r"^\W*(?:hvad med|hva med|what about)\b|[\W_]+", "", rest)
    return When(day, clock, place, starts_at, confident, refused, alone)


def _not_place(candidate: str) -> bool:
    return any(w in _NOT_PLACE for w in re.findall(r"[\wæøå'@&-]+", candidate))


def _place(original: str, rest_lower: str) -> str | None:
    """What the person gave as a place, in their spelling: 'på Café Paradis' -> 'Café Paradis'
    (the templates say 'på'), 'hos Jonas' and 'i byen' as written; a bare rest only when it
    reads like a name ('Café Paradis'), never 'kan vi mødes ?'."""
    rest = " ".join(rest_lower.split())
    someone = _AT_SOMEONE.search(rest)
    if someone:
        start = original.lower().find(someone.group("place"))
        return original[start : start + len(someone.group("place"))] if start >= 0 else None
    marked = _PLACE_MARKER.search(rest)
    while marked and _not_place(marked.group("place")):
        # "hos mig på værkstedet": the place is after the last marker that names one
        marked = _PLACE_MARKER.search(marked.group("place"))
    candidate = marked.group("place") if marked else rest
    candidate = _FILLER.sub("", candidate).strip()
    candidate = _FILLER.sub("", candidate).strip()
    words = re.findall(r"[\wæøå'@&-]+", candidate)
    if not words or len(words) > 8 or any(w in _NOT_PLACE for w in words):
        return None
    if not marked and "?" in rest:
        return None
    if marked and marked.group("marker") not in _PLAIN_MARKERS:
        candidate = f"{marked.group('marker')} {candidate}"
    start = original.lower().find(candidate)
    if start < 0:
        return None
    place = original[start : start + len(candidate)].strip()
    if not marked and not place[:1].isupper():
        return None  # "tirsdag 15.00 Café Paradis" is a place; "tirsdag 15 da" is not
    return place[:200] or None
