"""When a nudge may reach a person: 08:00-20:00 local, not Sundays or Danish public holidays.

Local is the programme's time zone (settings.timezone), always passed in: nothing here assumes
Copenhagen.

Answers to what a person just wrote go out at once (the conversation engine's path); everything
the follow-ups send on their own initiative is moved to the next allowed time instead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

DAY_START = time(8, 0)
DAY_END = time(20, 0)
SUNDAY = 6


@cache
def _danish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_quiet_day(day: date) -> bool:
    """Sundays and Danish public holidays are quiet all day."""
    return day.weekday() == SUNDAY or day in _danish_holidays(day.year)


def is_allowed(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz)
    return not is_quiet_day(local.date()) and DAY_START <= local.time() < DAY_END


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` local time on `day`, as an aware datetime (the zone's DST rules applied)."""
    return datetime.combine(day, clock, tzinfo=tz)


def next_allowed(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` itself when allowed, else 08:00 local on the next day that is not quiet."""
    if is_allowed(moment, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date() if local.time() < DAY_START else local.date() + timedelta(days=1)
    while is_quiet_day(day):
        day += timedelta(days=1)
    return at_local(day, DAY_START, tz)
