"""Meeting times from Danish and English phrasings, checked against the local time they mean."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing_dates import parse_when

CPH = ZoneInfo("Europe/Copenhagen")
THU = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 local
DST_SPRING = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)  # Thursday before 28 March 2027
DST_AUTUMN = datetime(2026, 10, 22, 8, 0, tzinfo=UTC)  # Thursday before 25 October 2026
NEW_YEAR = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)  # Tuesday 29 December 2026

TABLE = [
    # (base, text, expected local "YYYY-MM-DD HH:MM", expected UTC offset hours)
    (THU, "i morgen kl. 15", "2026-11-27 15:00", 1),
    (THU, "i morgen kl 15", "2026-11-27 15:00", 1),
    (THU, "imorgen 9.30", "2026-11-27 09:30", 1),
    (THU, "i morgen 9.30", "2026-11-27 09:30", 1),
    (THU, "i dag kl. 18", "2026-11-26 18:00", 1),
    (THU, "kl. 15", "2026-11-26 15:00", 1),
    (THU, "kl 8", "2026-11-27 08:00", 1),
    (THU, "14:30", "2026-11-26 14:30", 1),
    (THU, "tirsdag 14.30", "2026-12-01 14:30", 1),
    (THU, "tirsdag kl. 14.30", "2026-12-01 14:30", 1),
    (THU, "Tirsdag 15.00 på Café Paradis", "2026-12-01 15:00", 1),
    (THU, "tirs kl 16", "2026-12-01 16:00", 1),
    (THU, "på fredag kl. 9", "2026-11-27 09:00", 1),
    (THU, "fredag kl 9:15", "2026-11-27 09:15", 1),
    (THU, "næste onsdag kl 16", "2026-12-02 16:00", 1),
    (THU, "onsdag kl 16 hos Netto i Vejle", "2026-12-02 16:00", 1),
    (THU, "torsdag kl 10", "2026-12-03 10:00", 1),
    (THU, "søndag kl. 11", "2026-11-29 11:00", 1),
    (THU, "lørdag 12:00", "2026-11-28 12:00", 1),
    (THU, "mandag 8/12 kl. 10", "2026-12-08 10:00", 1),
    (THU, "tirsdag d. 1/12 kl 15", "2026-12-01 15:00", 1),
    (THU, "3/12 kl 10", "2026-12-03 10:00", 1),
    (THU, "3/12 10:00", "2026-12-03 10:00", 1),
    (THU, "3/12/2026 10:00", "2026-12-03 10:00", 1),
    (THU, "3. december kl. 10", "2026-12-03 10:00", 1),
    (THU, "d. 3. december kl. 10.30", "2026-12-03 10:30", 1),
    (THU, "den 4. dec kl 13", "2026-12-04 13:00", 1),
    (THU, "i overmorgen kl 12", "2026-11-28 12:00", 1),
    (THU, "overmorgen kl. 17.45", "2026-11-28 17:45", 1),
    (THU, "tomorrow at 3pm", "2026-11-27 15:00", 1),
    (THU, "tomorrow 15:00", "2026-11-27 15:00", 1),
    (THU, "on monday at 9am", "2026-11-30 09:00", 1),
    (THU, "friday 10:00", "2026-11-27 10:00", 1),
    (THU, "next tuesday 14:00", "2026-12-01 14:00", 1),
    (THU, "December 3 at 10:00", "2026-12-03 10:00", 1),
    (THU, "klokken 16 på biblioteket", "2026-11-26 16:00", 1),
    # The week the clocks go forward (28 March 2027, 02:00 -> 03:00).
    (DST_SPRING, "lørdag kl 10", "2027-03-27 10:00", 1),
    (DST_SPRING, "søndag kl. 10", "2027-03-28 10:00", 2),
    (DST_SPRING, "mandag 9.00", "2027-03-29 09:00", 2),
    (DST_SPRING, "28/3 kl 2.30", "2027-03-28 03:30", 2),  # 02:30 does not exist that night
    # The week the clocks go back (25 October 2026).
    (DST_AUTUMN, "lørdag kl. 14", "2026-10-24 14:00", 2),
    (DST_AUTUMN, "mandag kl. 14", "2026-10-26 14:00", 1),
    # Across New Year.
    (NEW_YEAR, "fredag kl. 9", "2027-01-01 09:00", 1),
    (NEW_YEAR, "2/1 kl 10", "2027-01-02 10:00", 1),
    (NEW_YEAR, "5. januar kl. 13", "2027-01-05 13:00", 1),
    (NEW_YEAR, "i overmorgen kl 11", "2026-12-31 11:00", 1),
    (NEW_YEAR, "mandag 10.00", "2027-01-04 10:00", 1),
    (NEW_YEAR, "30/12 kl. 16", "2026-12-30 16:00", 1),
]


@pytest.mark.parametrize(("base", "text", "local", "offset"), TABLE, ids=[t[1] for t in TABLE])
def test_parse_when_reads_real_phrasings(
    base: datetime, text: str, local: str, offset: int
) -> None:
    when = parse_when(text, base, CPH)
    assert when is not None and when.starts_at is not None
    here = when.starts_at.astimezone(CPH)
    assert here.strftime("%Y-%m-%d %H:%M") == local
    assert here.utcoffset() is not None and here.utcoffset().total_seconds() == offset * 3600  # type: ignore[union-attr]


def test_parse_when_keeps_the_place_in_the_persons_spelling() -> None:
    when = parse_when("tirsdag 15.00 på Café Paradis", THU, CPH)
    assert when is not None and when.place == "Café Paradis"


def test_parse_when_gives_the_day_alone_when_no_time_is_said() -> None:
    when = parse_when("næste onsdag", THU, CPH)
    assert when is not None and when.starts_at is None
    assert when.day is not None and when.day.isoformat() == "2026-12-02" and when.clock is None


@pytest.mark.parametrize(
    ("text", "sure"),
    [("mandag 8/12 kl. 15", False), ("tirsdag 8/12 kl. 15", True),
     ("mandag d. 8. december kl 15", False), ("tirs d. 8. december kl 15", True)],
)  # fmt: skip
def test_parse_when_is_unsure_when_the_weekday_does_not_fit_the_date(text: str, sure: bool) -> None:
    when = parse_when(text, THU, CPH)
    assert when is not None and when.day is not None and when.day.isoformat() == "2026-12-08"
    assert when.confident is sure  # unsure: read back with the real weekday before booking


@pytest.mark.parametrize("text", ["hej med dig", "2 timer", "kl. 27", "31/2 kl 10", ""])
def test_parse_when_refuses_what_is_not_a_time(text: str) -> None:
    when = parse_when(text, THU, CPH)
    assert when is None or when.starts_at is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parse_when_never_crashes(text: str) -> None:
    parse_when(text, THU, CPH)


@pytest.mark.parametrize(
    ("said_on", "text", "day"),
    [
        # Thursday 26 November (week 48): next week is 30 November - 6 December.
        (THU, "mandag i næste uge kl 15", "2026-11-30"),
        (THU, "næste uge onsdag", "2026-12-02"),
        (THU, "i næste uge på fredag kl 14", "2026-12-04"),
        (THU, "naeste uge torsdag kl 10", "2026-12-03"),
        (THU, "næste tirsdag kl 15", "2026-12-01"),
        # Monday 30 November (week 49): next week is 7 - 13 December, never tomorrow.
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "næste tirsdag kl 15", "2026-12-08"),
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "onsdag i næste uge", "2026-12-09"),
    ],
)
def test_next_week_is_the_next_calendar_week_and_read_back(
    said_on: datetime, text: str, day: str
) -> None:
    """ "i næste uge" is Monday to Sunday of the coming calendar week (a Wednesday "in next
    week" said on a Thursday is six days away, not thirteen); every "næste" is read back with
    its date before anything is booked."""
    when = parse_when(text, said_on, CPH)
    assert when is not None and when.day is not None
    assert (when.day.isoformat(), when.confident) == (day, False)
