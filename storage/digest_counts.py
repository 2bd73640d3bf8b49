"""The digest's summary counts: pair totals, youths matched over time, outcomes, meetings held,
hours and sign-ups, companies and openings; each an aggregate over the whole programme, a few
statements whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, MatchStatus, MeetingStatus, OpeningStatus, Role
from storage.company_ledger import company_days
from storage.digest_sql import (
    SHOWN,
    DigestWindow,
    Listing,
    PairRow,
    between,
    count_if,
    first_name,
    flag,
    pair_row,
    points_at_or_before,
)
from storage.models import (
    HoursReport,
    JobOpening,
    Match,
    Meeting,
    Person,
)
from storage.queries import week_sums


@dataclass(frozen=True)
class PairTotals:
    pairs: Listing[PairRow]
    new_this_week: int
    new_last_week: int


async def pair_totals(session: AsyncSession, programme_id: int, w: DigestWindow) -> PairTotals:
    """Every pair but the declined: the first SHOWN by id, and the pair-level totals in one pass
    (an aggregate, joined once onto the named rows)."""
    kept = (Match.programme_id == programme_id, Match.status != MatchStatus.DECLINED)
    matched = and_(Match.status.in_(MATCHED), Match.accepted_at <= w.as_of)
    totals = (
        select(
            func.count().label("total"),
            count_if(and_(matched, between(Match.accepted_at, w.week_start, w.week_end))).label(
                "new"
            ),
            count_if(and_(matched, between(Match.accepted_at, w.last_start, w.week_start))).label(
                "new_last"
            ),
        )
        .where(*kept)
        .subquery()
    )
    first = (
        select(Match.id, Match.youth_id, Match.mentor_id)
        .where(*kept)
        .order_by(Match.id)
        .limit(SHOWN)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                totals,
                first.c.id,
                first.c.youth_id,
                first.c.mentor_id,
                first_name(first.c.youth_id).label("youth_name"),
                first_name(first.c.mentor_id).label("mentor_name"),
            )
            .select_from(totals)
            .outerjoin(first, true())
            .order_by(first.c.id)
        )
    ).all()
    head = rows[0]  # the totals come once, with or without pairs to name
    return PairTotals(
        pairs=Listing([pair_row(r) for r in rows if r.id is not None], int(head.total)),
        new_this_week=int(head.new),
        new_last_week=int(head.new_last),
    )


async def count_matched_youths(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> tuple[int, list[int]]:
    """Youths matched (their first pair counts), in all and before each of the window's week
    points: each youth's first match is placed among the points, and the places are counted."""
    first = (
        select(func.min(Match.accepted_at).label("first"))
        .where(
            Match.programme_id == programme_id,
            Match.status.in_(MATCHED),
            Match.accepted_at <= w.as_of,
        )
        .group_by(Match.youth_id)
        .subquery()
    )
    points = w.week_points
    placed = select(
        points_at_or_before(first.c.first, points, 0, len(points)).label("place")
    ).subquery()
    rows = await session.execute(select(placed.c.place, func.count()).group_by(placed.c.place))
    counts: dict[int, int] = {int(place): int(n) for place, n in rows}
    # A youth whose first match is before point i has at most i points at or before it.
    before, total = [], 0
    for i in range(len(points)):
        total += counts.get(i, 0)
        before.append(total)
    return sum(counts.values()), before


async def meetings_held(session: AsyncSession, programme_id: int, w: DigestWindow) -> Any:
    """Meetings held this week and last, by any pair of the programme (one row of two counts)."""
    return (
        await session.execute(
            select(
                count_if(Meeting.starts_at >= w.week_start),
                count_if(Meeting.starts_at < w.week_start),
            ).where(
                Meeting.match_id.in_(select(Match.id).where(Match.programme_id == programme_id)),
                Meeting.status == MeetingStatus.HELD,
                between(Meeting.starts_at, w.last_start, w.week_end),
            )
        )
    ).one()


async def hours_and_signups(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> tuple[Any, Any]:
    """Hours reported and youths signed up, this week and last (two rows of two sums)."""
    this_h, last_h = week_sums(
        HoursReport.minutes, HoursReport.reported_at, w.week_start, w.week_end
    )
    hours = (
        await session.execute(
            select(this_h, last_h).where(
                HoursReport.match_id.in_(select(Match.id).where(Match.programme_id == programme_id))
            )
        )
    ).one()
    this_s, last_s = week_sums(1, Person.created_at, w.week_start, w.week_end)
    signups = (
        await session.execute(
            select(this_s, last_s).where(
                Person.programme_id == programme_id,
                Person.role == Role.YOUTH,
                between(Person.created_at, w.last_start, w.week_end),
            )
        )
    ).one()
    return hours, signups


async def companies_and_openings(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> tuple[Any, Any]:
    """Companies contacted outside the partnership (in all, up to today) and companies first
    contacted this week and last (any), by `storage.company_ledger`'s first contact; job
    openings (a mentor's unconfirmed lead left out): in all, this week and last."""
    days = (await company_days(session, programme_id, w.tz, until=w.today)).values()
    next_monday = w.monday + timedelta(days=7)
    last_monday = w.monday - timedelta(days=7)
    companies = (
        sum(1 for d in days if d.outside and d.first),
        sum(1 for d in days if d.first and w.monday <= d.first < next_monday),
        sum(1 for d in days if d.first and last_monday <= d.first < w.monday),
    )
    openings = (
        await session.execute(
            select(
                func.coalesce(func.sum(flag(JobOpening.created_on <= w.today)), 0),
                func.coalesce(
                    func.sum(flag(between(JobOpening.created_on, w.monday, next_monday))), 0
                ),
                func.coalesce(
                    func.sum(flag(between(JobOpening.created_on, last_monday, w.monday))), 0
                ),
            ).where(
                JobOpening.programme_id == programme_id,
                JobOpening.status != OpeningStatus.PROPOSED,
            )
        )
    ).one()
    return companies, openings
