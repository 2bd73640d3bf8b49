"""Hours: reported after a meeting or any time, counted per local month against the commitment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import month_start
from core.statuses import PLANNED, MatchStatus
from mentoring.errors import DomainError
from mentoring.matches import get_match
from mentoring.rules import for_programme
from storage.models import HoursReport, Meeting, Programme

MAX_MINUTES_PER_MEETING = 12 * 60


@dataclass(frozen=True)
class MonthHours:
    minutes: int
    commitment_minutes: int

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def missing_minutes(self) -> int:
        return max(self.commitment_minutes - self.minutes, 0)

    @property
    def met(self) -> bool:
        return self.minutes >= self.commitment_minutes


async def minutes_reported(session: AsyncSession, match_id: int) -> int:
    """Every minute the pair has reported, over all months and both sides ("my data")."""
    return int(
        await session.scalar(
            select(func.coalesce(func.sum(HoursReport.minutes), 0)).where(
                HoursReport.match_id == match_id
            )
        )
        or 0
    )


async def month_total(session: AsyncSession, match_id: int, month: date) -> MonthHours:
    match = await get_match(session, match_id)
    programme = await session.get(Programme, match.programme_id)
    minutes = await session.scalar(
        select(func.coalesce(func.sum(HoursReport.minutes), 0)).where(
            HoursReport.match_id == match_id, HoursReport.month == month_start(month)
        )
    )
    return MonthHours(int(minutes or 0), for_programme(programme).monthly_hours * 60)


async def report_hours(
    session: AsyncSession,
    match_id: int,
    minutes: int,
    *,
    reported_by: int | None,
    today: date,
    now: datetime,
    meeting_id: int | None = None,
) -> MonthHours:
    """Store hours (positive, at most 12 for one meeting) and return the month's total.

    A held meeting has one duration: a second report for the same meeting (the other side's, or
    a correction) replaces the first rather than adding to it (see `previous_report`)."""
    if minutes <= 0:
        raise DomainError("hours_not_positive")
    if minutes > MAX_MINUTES_PER_MEETING:
        raise DomainError("hours_too_many", max=MAX_MINUTES_PER_MEETING // 60)
    match = await get_match(session, match_id)
    if match.status not in (MatchStatus.ACTIVE, MatchStatus.COMPLETED):
        raise DomainError("match_not_active")
    if reported_by is not None and not match.has(reported_by):
        raise DomainError("not_your_match")
    existing = await previous_report(session, meeting_id) if meeting_id is not None else None
    if existing is not None:
        existing.minutes, existing.reported_by, existing.reported_at = minutes, reported_by, now
        await session.flush()
        return await month_total(session, match_id, existing.month)
    session.add(
        HoursReport(
            match_id=match_id,
            meeting_id=meeting_id,
            reported_by=reported_by,
            minutes=minutes,
            month=month_start(today),
            reported_at=now,
        )
    )
    await session.flush()
    return await month_total(session, match_id, today)


async def previous_report(session: AsyncSession, meeting_id: int) -> HoursReport | None:
    """The hours already reported for a meeting (by either side), if any."""
    return await session.scalar(
        select(HoursReport).where(HoursReport.meeting_id == meeting_id).limit(1)
    )


async def recent_meeting(
    session: AsyncSession, match_id: int, now: datetime, days: int = 14
) -> Meeting | None:
    """The pair's latest meeting in the last `days` days that was not cancelled or declined: what
    hours reported without a meeting most likely belong to ("var det mødet tirsdag?")."""
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.match_id == match_id,
            Meeting.starts_at <= now,
            Meeting.starts_at >= now - timedelta(days=days),
            Meeting.status.in_(PLANNED),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
