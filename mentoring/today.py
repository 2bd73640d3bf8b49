"""The dashboard's "today": figures as of now for the overview, pairs and youths pages.

The weekly digest (and its page) reports the last complete week; a coordinator at work needs
the state now: the inbox items not handled now, this month's hours as reported until now, the
youths matched so far. Each function here reads the database at `now`; none looks at a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
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
from mentoring.matching import free_places, waiting_summary
from mentoring.programmes import Programme
from mentoring.targets import targets
from storage import live
from storage.digest_lists import (
    ActiveLists,
    active_lists,
    proposals,
    surveys_due,
    unreachable_people,
)
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


class Queues(NamedTuple):
    """The overview's part besides the targets and the active pairs' lists (read on its own)."""

    inbox_open: int
    surveys: Shown[Dated]
    unconfirmed: Shown[Unconfirmed]
    unreachable: Shown[Listed]
    waiting: int
    waiting_since: datetime | None
    mentors_free: int


@dataclass(frozen=True)
class Overview:
    """What the overview shows of the running week's digest, read at `now`: the targets
    measured today (counts only) and the lists, current state (the digest's own rules); and
    the matching queue now: the youths waiting, since when the longest has, and the mentors
    with room."""

    as_of: datetime
    inbox_open: int  # inbox items of the programme not marked handled, at `as_of`
    targets: list[Target]
    at_risk: Shown[RiskPair]
    calls_due: Shown[Dated]
    ending_soon: Shown[Dated]
    surveys: Shown[Dated]
    unconfirmed: Shown[Unconfirmed]
    unreachable: Shown[Listed]
    waiting: int  # youths waiting for a mentor now
    waiting_since: datetime | None  # when the longest-waiting of them started waiting
    mentors_free: int  # approved, active mentors with a free place now


async def overview_now(runtime: Runtime, programme: Programme, now: datetime) -> Overview:
    """The overview's targets and lists as of now, as the running week's digest (`load_digest`)
    has them, computing only those (no pair or meeting named that the page does not show).
    The targets, the active pairs' lists and the rest are read at the same time where the
    database gains from it (`Runtime.read_together`): at national scale each takes about a
    third of the page's time."""
    tz = runtime.settings.tz
    week_start, week_end = week_bounds(iso_week(local_day(now, tz)), tz)
    w = digest_window(programme, week_start, week_end, min(now, week_end), tz)

    async def measured(session: AsyncSession) -> list[Target]:
        await jit_off(session)
        figures = await measure_targets(session, programme, w.as_of, w.today, tz, ids=False)
        return targets(programme, w.today, figures)

    async def active(session: AsyncSession) -> ActiveLists:
        await jit_off(session)
        return await active_lists(session, programme.id, w, hours=False)

    async def queues(session: AsyncSession) -> Queues:
        waiting, since = await waiting_summary(session, programme.id)
        return Queues(
            inbox_open=await live.inbox_open(session, programme.id),
            surveys=surveys_shown(await surveys_due(session, programme.id, w), w),
            unconfirmed=unconfirmed_shown(await proposals(session, programme.id, w), w),
            unreachable=listed_shown(await unreachable_people(session, programme.id), w),
            waiting=waiting,
            waiting_since=since,
            mentors_free=(await free_places(session, programme.id))[0],
        )

    figures, lists, q = await runtime.read_together(measured, active, queues)
    return Overview(
        as_of=now,
        targets=figures,
        at_risk=at_risk_shown(lists.at_risk, programme.monthly_hours, w),
        calls_due=calls_shown(lists.calls_due, w.today),
        ending_soon=ending_shown(lists.ending_soon, w.today),
        **q._asdict(),
    )
