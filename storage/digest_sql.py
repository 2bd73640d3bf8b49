"""What the digest's statements share: the window of moments they compare with, the row types
they return, and small SQL builders (local calendar day, counts, first names by key).

The digest's SQL is in `storage.digest_counts` (the summary counts) and `storage.digest_lists`
(the named lists); `storage.digest_queries.digest_summary` runs them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Person,
)
from storage.queries import PersonFacts

T = TypeVar("T")

SHOWN = 20  # the digest names at most this many per list; its totals count them all
HOURS_SAMPLES = 280  # bars the hours chart can draw apart (it is 560 pixels wide)


@dataclass(frozen=True)
class DigestWindow:
    """The moments and thresholds the digest's rules compare with, worked out by
    `mentoring.digest` (local dates become UTC instants there, so SQL compares plain values)."""

    as_of: datetime
    week_start: datetime
    week_end: datetime
    today: date
    monday: date  # the week's first day
    tz: ZoneInfo
    quiet_before: datetime  # a last meeting before this is 14 days old or more
    quiet_start_on: date  # a pair with no meeting that started on or before this is quiet
    hours_month: date
    hours_check: bool  # from the 20th of the month, pairs below their hours are at risk
    commitment_minutes: int
    unanswered_before: datetime
    first_month_after: date  # pairs that started after this are in their first month
    one_call_from: date  # started on or before: one call is due in the first month
    two_calls_from: date  # ... two calls
    call_stale_before: datetime  # a side whose last call is before this is due a call
    worrying_score: int  # a check-in answer scored at most this since a side's last call: due
    ending_until: date
    survey_ended_before: datetime  # pairs that ended before this are due their survey
    week_points: tuple[datetime, ...]  # matches over time: counted before each of these

    @property
    def last_start(self) -> datetime:
        return self.week_start - timedelta(days=7)


@dataclass(frozen=True)
class PairRow:
    """One named pair with the facts its line in the digest needs."""

    match_id: int
    youth_id: int
    youth_name: str
    mentor_id: int
    mentor_name: str
    starts_on: date | None = None
    ends_on: date | None = None
    ended_at: datetime | None = None
    unsure_flag_at: datetime | None = None
    at_risk_reason: str | None = None
    last_meeting_at: datetime | None = None
    minutes: int = 0  # this month's
    unanswered: int = 0
    call_sides: tuple[tuple[str, str], ...] = ()  # sides due a call: (side, why)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first rows of a list and how many there are in all."""

    rows: list[T]
    total: int


@dataclass(frozen=True)
class MeetingRow:
    meeting_id: int
    pair: PairRow
    starts_at: datetime
    proposed_at: datetime


LOCAL_DAY = "mentorbot_local_day"


def flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def listed_total(rows: Sequence[Any]) -> int:
    """Listing queries carry their list's total in a window-count column named `total`."""
    return int(rows[0].total) if rows else 0


def _local_day_text(tz: ZoneInfo, stored: str | None) -> str | None:
    if stored is None:
        return None
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(tz).date().isoformat()


async def local_day(session: AsyncSession, column: Any, tz: ZoneInfo) -> Any:
    """The local calendar day of a UTC column, in SQL. PostgreSQL knows the zone; SQLite does
    not, so its connection gets a small function that asks Python's zoneinfo."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return cast(func.timezone(tz.key, column), Date)

    def register(sync: Any) -> None:
        sync.connection.dbapi_connection.create_function(
            LOCAL_DAY, 1, partial(_local_day_text, tz), deterministic=True
        )

    await connection.run_sync(register)
    return getattr(func, LOCAL_DAY)(column)


async def jit_off(session: AsyncSession) -> None:
    """No JIT compilation on PostgreSQL for the rest of the transaction: the per-pair
    subqueries make the planner's estimates large enough to trigger it, which costs seconds
    here against milliseconds of execution."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))


def count_if(condition: Any) -> Any:
    """How many rows meet a condition (0 when there are none)."""
    return func.coalesce(func.sum(flag(condition)), 0)


def between(column: Any, start: Any, end: Any) -> Any:
    return and_(column >= start, column < end)


def first_name(person_id: Any) -> Any:
    """A person's first name looked up by key: for the few rows a list names, a lookup each is
    cheaper than joining the people table (and keeps the planner from hashing all of it)."""
    return select(Person.first_name).where(Person.id == person_id).scalar_subquery()


def named(inner: Any, *order: Any) -> Any:
    """A cut subquery of pairs with the two first names looked up (for its few rows only)."""
    return select(
        inner,
        first_name(inner.c.youth_id).label("youth_name"),
        first_name(inner.c.mentor_id).label("mentor_name"),
    ).order_by(*order)


def pair_row(r: Any, **extra: Any) -> PairRow:
    return PairRow(r.id, r.youth_id, r.youth_name or "", r.mentor_id, r.mentor_name or "", **extra)


def points_at_or_before(moment: Any, points: Sequence[datetime], lo: int, hi: int) -> Any:
    """How many of the sorted `points` are at or before `moment`, known to be between lo and hi:
    a binary search written as nested CASEs (a handful of comparisons a row, not one a point)."""
    if lo == hi:
        return literal(lo)
    mid = (lo + hi) // 2
    return case(
        (moment < points[mid], points_at_or_before(moment, points, lo, mid)),
        else_=points_at_or_before(moment, points, mid + 1, hi),
    )


async def person_listing(session: AsyncSession, query: Any, make: Any) -> Listing[PersonFacts]:
    rows = (await session.execute(query.limit(SHOWN))).all()
    return Listing([make(r) for r in rows], listed_total(rows))


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
