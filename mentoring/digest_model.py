"""The weekly digest's figures as data: targets with pace, the lists it names, and the ISO-week
arithmetic its period is given in. Built by `mentoring.digest`, rendered by `mentoring.digest_mail`
and the committee report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from mentoring.errors import DomainError
from mentoring.outreach_figures import OutreachFigures

T = TypeVar("T")


class Shown(list[T]):
    """A list the digest names: its first rows (all of them on the full path), and `total`,
    how many there are in all, for the "and N more" line."""

    def __init__(self, items: Iterable[T] = (), total: int | None = None) -> None:
        super().__init__(items)
        self.total = len(self) if total is None else total

    @property
    def more(self) -> int:
        return self.total - len(self)


@dataclass(frozen=True)
class PairRef:
    match_id: int
    youth_id: int
    youth_name: str
    mentor_id: int
    mentor_name: str


@dataclass(frozen=True)
class Target:
    """One of the seven targets (README.md, "The seven targets") with its pace."""

    key: str  # matched, kept_3_months, self_supporting, students_in_education, ...
    unit: str  # "count" or "pct"
    value: float
    target: int
    expected: float  # where the value should be today (counts: linear to the end date)
    behind: int  # 0 = on track; counts: how many, pct: percentage points
    measured: bool  # False when nobody is measured yet (a share of zero people)
    numerator: int = 0
    denominator: int = 0
    unknown: int = 0  # of the denominator: window closed with no observation, or not closed
    ids: tuple[int, ...] = ()  # the pairs (kept_3_months) or youths, companies, openings counted

    @property
    def progress_pct(self) -> float:
        return 100 * self.value / self.target if self.target else 0.0

    @property
    def on_track(self) -> bool:
        return self.behind == 0

    @property
    def coverage_pct(self) -> float | None:
        """The share of the denominator whose answer is known, in per cent."""
        if self.unit != "pct" or not self.denominator:
            return None
        return 100 * (self.denominator - self.unknown) / self.denominator


@dataclass(frozen=True)
class Compare:
    key: str  # new_matches, meetings_held, hours, signups, companies, job_openings
    this_week: float
    last_week: float


@dataclass(frozen=True)
class Reason:
    code: str  # no_meeting, hours_behind, unanswered, unsure, flagged
    days: int = 0
    amount: float = 0.0
    severe: bool = False
    detail: str | None = None


@dataclass(frozen=True)
class RiskPair:
    pair: PairRef
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Unconfirmed:
    meeting_id: int
    pair: PairRef
    starts_at: datetime
    waiting_days: int


@dataclass(frozen=True)
class Listed:
    """A person on a list: waiting youth, free mentor, unreachable contact, inbox item."""

    id: int
    first_name: str
    days: int = 0
    detail: str | None = None
    amount: int = 0


@dataclass(frozen=True)
class Dated:
    pair: PairRef
    on: date
    days: int
    detail: str | None = None  # survey: due/unanswered; call: youth/mentor/both
    why: str | None = None  # call: worrying_checkin, first_month or no_call_month (CALL_WHY)


@dataclass(frozen=True)
class Savings:
    youths: int
    per_youth_dkk: int

    @property
    def total_dkk(self) -> int:
        return self.youths * self.per_youth_dkk


@dataclass
class Digest:
    programme_id: int
    programme_name: str
    unit_name: str
    week: str
    week_start: date
    week_end: date  # the Sunday
    as_of: datetime
    starts_on: date
    ends_on: date
    monthly_hours: int
    targets: list[Target]
    compare: list[Compare]
    at_risk: Shown[RiskPair]
    unconfirmed: Shown[Unconfirmed]
    waiting: Shown[Listed]
    mentors_free: Shown[Listed]
    unreachable: Shown[Listed]
    ending_soon: Shown[Dated]
    surveys: Shown[Dated]
    calls_due: Shown[Dated]
    inbox: Shown[Listed]
    savings: Savings
    # this month's hours of the active pairs (total): all of them, or an even sample of them
    # sorted by hours on the summarised path; below_hours counts those under the commitment
    hours_this_month: Shown[tuple[PairRef, float]]
    below_hours: int
    matches_over_time: list[tuple[date, int]]
    pairs: Shown[PairRef] = field(default_factory=Shown)
    # pairs past their end date and not closed (the coordinator decides on each)
    past_end: Shown[Dated] = field(default_factory=Shown)
    positive_early: int = 0  # pairs ended early for a job or an education
    negative_early: int = 0  # pairs ended early for another reason
    # target group -> the matched and outcome targets of its youths
    by_group: dict[str, list[Target]] = field(default_factory=dict)
    # openings per origin, where youths and mentors come from, the Code of Care pairs' one-year
    # condition (mentoring.outreach_figures)
    outreach: OutreachFigures | None = None

    def target(self, key: str) -> Target:
        return next(t for t in self.targets if t.key == key)

    def compared(self, key: str) -> Compare:
        return next(c for c in self.compare if c.key == key)


def parse_week(week: str) -> date:
    """'2026-W48' -> the Monday of that ISO week."""
    try:
        year, number = week.upper().split("-W")
        return date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise DomainError("invalid_week", week=week) from None


def iso_week(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def default_week(now: datetime, tz: ZoneInfo) -> str:
    """The last complete week: on Monday morning, the week that just ended."""
    return iso_week(now.astimezone(tz).date() - timedelta(days=7))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    monday = parse_week(week)
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)
