"""The dashboard's "today": figures as of now for the overview, pairs and youths pages.

The weekly digest (and its page) reports the last complete week; a coordinator at work needs
the state now: the inbox items not handled now, this month's hours as reported until now, the
youths matched so far. Each function here reads the database at `now`; none looks at a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.digest import load_digest, load_week_in_full
from mentoring.digest_model import Digest, iso_week, local_day, local_midnight
from mentoring.programmes import Programme
from storage import live
from storage.queries import DigestFacts


@dataclass(frozen=True)
class Today:
    as_of: datetime
    inbox_open: int  # inbox items of the programme not marked handled, at `as_of`
    matched: int  # youths first matched inside the programme period, accepted by `as_of`


async def today_figures(
    session: AsyncSession, programme: Programme, now: datetime, tz: ZoneInfo
) -> Today:
    period = (
        local_midnight(programme.starts_on, tz),
        local_midnight(programme.ends_on + timedelta(days=1), tz),
    )
    return Today(
        as_of=now,
        inbox_open=await live.inbox_open(session, programme.id),
        matched=await live.matched_youths(session, programme.id, period, now),
    )


async def digest_now(
    session: AsyncSession, programme_id: int, now: datetime, tz: ZoneInfo
) -> Digest:
    """The overview's targets and lists as of now: the running week's digest read at `now`
    (its lists are current state, its targets measured today)."""
    return await load_digest(session, programme_id, iso_week(local_day(now, tz)), now, tz)


async def pairs_now(
    session: AsyncSession, programme_id: int, now: datetime, tz: ZoneInfo
) -> tuple[DigestFacts, Digest]:
    """Every pair with its facts as of now (hours this month reported until now)."""
    return await load_week_in_full(session, programme_id, iso_week(local_day(now, tz)), now, tz)
