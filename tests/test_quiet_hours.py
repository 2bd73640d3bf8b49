"""Quiet hours: nudges only 08:00-20:00 Copenhagen time, never on Sundays or public holidays."""

from __future__ import annotations

from datetime import UTC, datetime

from mentoring.quiet_hours import is_allowed, next_allowed
from tests.conftest import COPENHAGEN


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=COPENHAGEN)  # type: ignore[misc]


def test_quiet_hours_daytime_on_a_weekday_goes_out_at_once() -> None:
    moment = local(2026, 11, 26, 10, 15)  # Thursday
    assert is_allowed(moment, COPENHAGEN)
    assert next_allowed(moment, COPENHAGEN) == moment


def test_quiet_hours_evening_moves_to_next_morning_at_eight() -> None:
    assert next_allowed(local(2026, 11, 26, 20, 0), COPENHAGEN) == local(2026, 11, 27, 8, 0)
    assert next_allowed(local(2026, 11, 27, 6, 30), COPENHAGEN) == local(2026, 11, 27, 8, 0)


def test_quiet_hours_saturday_evening_skips_sunday_to_monday() -> None:
    assert next_allowed(local(2026, 11, 28, 21, 0), COPENHAGEN) == local(2026, 11, 30, 8, 0)
    assert not is_allowed(local(2026, 11, 29, 12, 0), COPENHAGEN)  # Sunday noon


def test_quiet_hours_christmas_holidays_and_sunday_move_to_monday() -> None:
    # 25 and 26 December 2026 are Friday and Saturday, both public holidays; then a Sunday.
    assert next_allowed(local(2026, 12, 24, 20, 30), COPENHAGEN) == local(2026, 12, 28, 8, 0)
    assert not is_allowed(
        local(2027, 3, 25, 12, 0), COPENHAGEN
    )  # Maundy Thursday (skærtorsdag) 2027
    assert next_allowed(local(2027, 3, 24, 21, 0), COPENHAGEN) == local(
        2027, 3, 27, 8, 0
    )  # Easter Thu+Fri


def test_quiet_hours_after_clocks_change_eight_is_local_eight() -> None:
    # Summer time starts Sunday 29 March 2026; Monday 08:00 CEST is 06:00 UTC.
    moment = next_allowed(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), COPENHAGEN)
    assert moment.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert moment.astimezone(COPENHAGEN).hour == 8
