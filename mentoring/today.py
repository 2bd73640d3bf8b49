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

from mentoring.digest import (
    at_risk_shown,
    calls_shown,
    digest_window,
    ending_shown,
    listed_shown,
    surveys_shown,
    unconfirmed_shown,
)
from mentoring.digest_model import (
    Dated,
    Listed,
    RiskPair,
    Shown,
    Target,
    Unconfirmed,
    iso_week,
    local_day,
    local_midnight,
    week_bounds,
)
from mentoring.programmes import Programme
from mentoring.targets import targets
from storage import live
from storage.digest_lists import active_lists, proposals, surveys_due, unreachable_people
from storage.digest_sql import jit_off
from storage.targets import measure_targets


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


@dataclass(frozen=True)
class Overview:
    """What the overview shows of the running week's digest, read at `now`: the targets
    measured today (counts only) and the lists, current state (the digest's own rules)."""

    as_of: datetime
    inbox_open: int  # inbox items of the programme not marked handled, at `as_of`
    targets: list[Target]
    at_risk: Shown[RiskPair]
    calls_due: Shown[Dated]
    ending_soon: Shown[Dated]
    surveys: Shown[Dated]
    unconfirmed: Shown[Unconfirmed]
    unreachable: Shown[Listed]


async def overview_now(
    session: AsyncSession, programme: Programme, now: datetime, tz: ZoneInfo
) -> Overview:
    """The overview's targets and lists as of now, as the running week's digest (`load_digest`)
    has them, computing only those (no pair or meeting named that the page does not show)."""
    week_start, week_end = week_bounds(iso_week(local_day(now, tz)), tz)
    w = digest_window(programme, week_start, week_end, min(now, week_end), tz)
    await jit_off(session)
    figures = await measure_targets(session, programme, w.as_of, w.today, tz, ids=False)
    active = await active_lists(session, programme.id, w, hours=False)
    return Overview(
        as_of=now,
        inbox_open=await live.inbox_open(session, programme.id),
        targets=targets(programme, w.today, figures),
        at_risk=at_risk_shown(active.at_risk, programme.monthly_hours, w),
        calls_due=calls_shown(active.calls_due, w.today),
        ending_soon=ending_shown(active.ending_soon, w.today),
        surveys=surveys_shown(await surveys_due(session, programme.id, w), w),
        unconfirmed=unconfirmed_shown(await proposals(session, programme.id, w), w),
        unreachable=listed_shown(await unreachable_people(session, programme.id), w),
    )
