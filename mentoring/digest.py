"""The weekly digest's content: targets with pace, pairs that need attention, what is waiting.

Every figure carries the pairs (or people) behind it, so the committee report can list them.
The week is an ISO week in the programme's time zone; figures are computed as of the week's end
(or now, for the running week). Lists that only exist as current state (waiting youths, contact
points that failed, unhandled inbox items) show that state.

Calls from the coordinator (the mentoring standard: both sides twice in the first month, monthly
after) are read from the audit log: `AuditEntry(action="coordinator_call", entity="match",
entity_id=<match id>, details={"side": "youth" | "mentor" | "both"})`. In the first month a side is
due a first call from day 7 and a second from day 21; after that, when its last call is a month old.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.clock import add_months, month_start
from mentoring.errors import DomainError
from storage.queries import DigestFacts, OutcomeFacts, PairFacts, digest_facts

if TYPE_CHECKING:
    from mentoring.runtime import Runtime

NO_MEETING_NUDGE_DAYS = 14
NO_MEETING_RISK_DAYS = 21
HOURS_CHECK_DAY = 20
ENDING_WITHIN_DAYS = 14
SURVEY_AFTER_MONTHS = 3
SURVEY_ANSWER_DAYS = 7
MATCHED = ("active", "completed", "ended_early")
ENDED = ("completed", "ended_early")


@dataclass(frozen=True)
class PairRef:
    match_id: int
    youth_id: int
    youth_name: str
    mentor_id: int
    mentor_name: str


@dataclass(frozen=True)
class Target:
    key: str  # matches, full_term, self_supporting, dropout_in_education, subsidised, ...
    unit: str  # "count" or "pct"
    value: float
    target: int
    expected: float  # where the value should be today (counts: linear to the end date)
    behind: int  # 0 = on track; counts: how many, pct: percentage points
    measured: bool  # False when nobody is measured yet (a share of zero people)
    numerator: int = 0
    denominator: int = 0
    pairs: tuple[PairRef, ...] = ()

    @property
    def progress_pct(self) -> float:
        if self.unit == "pct":
            return 100 * self.value / self.target if self.target else 0.0
        return 100 * self.value / self.target if self.target else 0.0

    @property
    def on_track(self) -> bool:
        return self.behind == 0


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
    at_risk: list[RiskPair]
    unconfirmed: list[Unconfirmed]
    waiting: list[Listed]
    mentors_free: list[Listed]
    unreachable: list[Listed]
    ending_soon: list[Dated]
    surveys: list[Dated]
    calls_due: list[Dated]
    inbox: list[Listed]
    savings: Savings
    active_pairs: list[PairRef]
    hours_this_month: list[tuple[PairRef, float]]
    matches_over_time: list[tuple[date, int]]
    pairs: list[PairRef] = field(default_factory=list)

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


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _local(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _ref(p: PairFacts) -> PairRef:
    return PairRef(p.match_id, p.youth_id, p.youth_name, p.mentor_id, p.mentor_name)


def _count_target(
    key: str, value: int, target: int, start: date, end: date, today: date, pairs: list[PairRef]
) -> Target:
    span = max((end - start).days, 1)
    share = min(max((today - start).days / span, 0.0), 1.0)
    expected = target * share
    behind = math.ceil(expected - value) if value < expected else 0
    return Target(key, "count", value, target, expected, behind, True, pairs=tuple(pairs))


def _pct_target(key: str, hits: list[PairRef], measured: int, target: int) -> Target:
    if measured == 0:
        return Target(key, "pct", 0.0, target, target, 0, False)
    value = 100 * len(hits) / measured
    behind = math.ceil(target - value) if value < target else 0
    return Target(key, "pct", value, target, target, behind, True, len(hits), measured, tuple(hits))


def _latest_outcomes(outcomes: list[OutcomeFacts]) -> list[OutcomeFacts]:
    """The newest registration per youth counts (corrections replace earlier ones)."""
    latest: dict[object, OutcomeFacts] = {}
    for o in outcomes:  # ordered by observed_on, id
        latest[o.youth_id if o.youth_id is not None else ("erased", o.outcome_id)] = o
    return list(latest.values())


def _calls_due(p: PairFacts, today: date, tz: ZoneInfo) -> list[str]:
    if p.starts_on is None:
        return []
    first_month_end = add_months(p.starts_on, 1)
    since_start = (today - p.starts_on).days
    due = []
    for side in ("youth", "mentor"):
        dates = sorted(_local(at, tz) for at, s in p.calls if s in (side, "both"))
        if today < first_month_end:
            needed = (since_start >= 7) + (since_start >= 21)
            if len([d for d in dates if d < first_month_end]) < needed:
                due.append(side)
        elif not dates or add_months(dates[-1], 1) <= today:
            due.append(side)
    return due


def _risk_reasons(
    p: PairFacts, facts: DigestFacts, today: date, tz: ZoneInfo, as_of: datetime
) -> list[Reason]:
    reasons: list[Reason] = []
    assert p.starts_on is not None
    last = _local(p.last_meeting_at, tz) if p.last_meeting_at else p.starts_on
    quiet = (today - last).days
    if quiet >= NO_MEETING_NUDGE_DAYS:
        reasons.append(Reason("no_meeting", days=quiet, severe=quiet >= NO_MEETING_RISK_DAYS))
    month = month_start(today)
    commitment = facts.programme.monthly_hours * 60
    minutes = p.minutes_by_month.get(month, 0)
    if today.day >= HOURS_CHECK_DAY and p.starts_on <= month and minutes < commitment:
        reasons.append(Reason("hours_behind", amount=minutes / 60))
    waiting = facts.unanswered.get(p.youth_id, 0) + facts.unanswered.get(p.mentor_id, 0)
    if waiting:
        reasons.append(Reason("unanswered", amount=waiting))
    if p.unsure_flag_at is not None and p.unsure_flag_at <= as_of:
        reasons.append(Reason("unsure", days=(today - _local(p.unsure_flag_at, tz)).days))
    if p.at_risk_reason:
        reasons.append(Reason("flagged", detail=p.at_risk_reason))
    return reasons


def build_digest(facts: DigestFacts, week: str, as_of: datetime, tz: ZoneInfo) -> Digest:
    """Turn the facts into the digest's figures; pure, so tests can compute every one by hand."""
    prog = facts.programme
    monday = parse_week(week)
    week_start, week_end = _local_midnight(monday, tz), _local_midnight(monday + timedelta(7), tz)
    last_start = week_start - timedelta(days=7)
    today = _local(as_of, tz)

    def in_week(moment: datetime | None, start: datetime, end: datetime) -> bool:
        return moment is not None and start <= moment < end

    def day_in_week(day: date | None, start: datetime, end: datetime) -> bool:
        return day is not None and _local(start, tz) <= day < _local(end, tz)

    matched = [
        p
        for p in facts.pairs
        if p.status in MATCHED and p.accepted_at is not None and p.accepted_at <= as_of
    ]
    first_per_youth: dict[int, PairFacts] = {}
    for p in sorted(matched, key=lambda p: (p.accepted_at, p.match_id)):
        first_per_youth.setdefault(p.youth_id, p)
    matched_refs = [_ref(p) for p in first_per_youth.values()]
    by_match = {p.match_id: p for p in facts.pairs}

    ended = [p for p in matched if p.status in ENDED and p.ended_at and p.ended_at <= as_of]
    full = [_ref(p) for p in ended if p.status == "completed"]

    latest = _latest_outcomes(facts.outcomes)
    pair_of_youth = {p.youth_id: p for p in matched}

    def outcome_ref(o: OutcomeFacts) -> PairRef | None:
        p = by_match.get(o.match_id or -1) or pair_of_youth.get(o.youth_id or -1)
        return _ref(p) if p else None

    def flagged(flag: str, group: str | None = None) -> tuple[list[PairRef], int]:
        pool = [o for o in latest if group is None or o.target_group == group]
        hits = [
            r
            for o in pool
            if facts.outcome_flags.get(o.category, {}).get(flag)
            and (r := outcome_ref(o)) is not None
        ]
        return hits, len(pool)

    self_supporting, measured = flagged("self_supporting")
    in_education, students = flagged("in_education", "student")
    subsidised, _ = flagged("subsidised")
    companies = [c for c in facts.companies if c.outside_partnership and c.contacted_on <= today]
    openings = [o for o in facts.openings if o.created_on <= today]
    start, end = prog.starts_on, prog.ends_on
    targets = [
        _count_target(
            "matches", len(matched_refs), prog.target_matches, start, end, today, matched_refs
        ),
        _pct_target("full_term", full, len(ended), prog.target_full_term_pct),
        _pct_target("self_supporting", self_supporting, measured, prog.target_self_supporting_pct),
        _pct_target(
            "dropout_in_education", in_education, students, prog.target_dropout_in_education_pct
        ),
        _pct_target("subsidised", subsidised, measured, prog.target_subsidised_pct),
        _count_target(
            "companies", len(companies), prog.target_companies_outside, start, end, today, []
        ),
        _count_target(
            "job_openings", len(openings), prog.target_job_openings, start, end, today, []
        ),
    ]

    held = [m for m in facts.meetings if m.status == "held"]
    compare = [
        Compare(
            "new_matches",
            sum(in_week(p.accepted_at, week_start, week_end) for p in matched),
            sum(in_week(p.accepted_at, last_start, week_start) for p in matched),
        ),
        Compare(
            "meetings_held",
            sum(in_week(m.starts_at, week_start, week_end) for m in held),
            sum(in_week(m.starts_at, last_start, week_start) for m in held),
        ),
        Compare("hours", facts.hours_this_week / 60, facts.hours_last_week / 60),
        Compare("signups", facts.signups_this_week, facts.signups_last_week),
        Compare(
            "companies",
            sum(day_in_week(c.contacted_on, week_start, week_end) for c in facts.companies),
            sum(day_in_week(c.contacted_on, last_start, week_start) for c in facts.companies),
        ),
        Compare(
            "job_openings",
            sum(day_in_week(o.created_on, week_start, week_end) for o in facts.openings),
            sum(day_in_week(o.created_on, last_start, week_start) for o in facts.openings),
        ),
    ]

    active = [
        p
        for p in facts.pairs
        if p.status == "active" and p.starts_on is not None and p.starts_on <= today
    ]
    at_risk = [
        RiskPair(_ref(p), tuple(reasons))
        for p in active
        if (reasons := _risk_reasons(p, facts, today, tz, as_of))
    ]
    at_risk.sort(key=lambda r: (-len(r.reasons), r.pair.match_id))

    unconfirmed = [
        Unconfirmed(
            m.meeting_id,
            _ref(by_match[m.match_id]),
            m.starts_at,
            (today - _local(m.proposed_at, tz)).days,
        )
        for m in facts.meetings
        if m.status == "proposed" and m.match_id in by_match and m.proposed_at <= as_of
    ]
    ending = [
        Dated(_ref(p), p.ends_on, (p.ends_on - today).days)
        for p in active
        if p.ends_on is not None and today <= p.ends_on <= today + timedelta(ENDING_WITHIN_DAYS)
    ]
    ending.sort(key=lambda d: (d.on, d.pair.match_id))

    answered = {o.youth_id: o.observed_on for o in latest if o.youth_id is not None}
    surveys: dict[int, Dated] = {}
    for p in sorted(ended, key=lambda p: (p.ended_at, p.match_id)):
        assert p.ended_at is not None
        finished = _local(p.ended_at, tz)
        due_on = add_months(finished, SURVEY_AFTER_MONTHS)
        if due_on > today or answered.get(p.youth_id, date.min) >= finished:
            surveys.pop(p.youth_id, None)
            continue
        late = (today - due_on).days >= SURVEY_ANSWER_DAYS
        surveys[p.youth_id] = Dated(
            _ref(p), due_on, (today - due_on).days, "unanswered" if late else "due"
        )

    calls = [
        Dated(_ref(p), today, 0, sides[0] if len(sides) == 1 else "both")
        for p in active
        if (sides := _calls_due(p, today, tz))
    ]

    month = month_start(today)
    hours_month = [(_ref(p), p.minutes_by_month.get(month, 0) / 60) for p in active]

    weeks: list[tuple[date, int]] = []
    accepted_days = sorted(
        _local(p.accepted_at, tz) for p in first_per_youth.values() if p.accepted_at
    )
    point = start
    while point <= today:
        weeks.append((point, sum(d <= point for d in accepted_days)))
        point += timedelta(days=7)
    weeks.append((today, len(accepted_days)))

    return Digest(
        programme_id=prog.id,
        programme_name=prog.name,
        unit_name=prog.unit_name,
        week=iso_week(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        as_of=as_of,
        starts_on=start,
        ends_on=end,
        monthly_hours=prog.monthly_hours,
        targets=targets,
        compare=compare,
        at_risk=at_risk,
        unconfirmed=unconfirmed,
        waiting=[
            Listed(
                w.person_id,
                w.first_name,
                (today - _local(w.since, tz)).days if w.since else 0,
                w.detail,
            )
            for w in facts.waiting
        ],
        mentors_free=[
            Listed(m.person_id, m.first_name, 0, m.detail, m.extra) for m in facts.mentors_free
        ],
        unreachable=[
            Listed(
                u.person_id,
                u.first_name,
                (today - _local(u.since, tz)).days if u.since else 0,
                u.detail,
            )
            for u in facts.unreachable
        ],
        ending_soon=ending,
        surveys=list(surveys.values()),
        calls_due=calls,
        inbox=[
            Listed(
                i.person_id,
                i.first_name,
                (today - _local(i.since, tz)).days if i.since else 0,
                i.detail,
            )
            for i in facts.inbox
        ],
        savings=Savings(len(self_supporting), prog.yearly_cost_per_youth_dkk),
        active_pairs=[_ref(p) for p in active],
        hours_this_month=hours_month,
        matches_over_time=weeks,
        pairs=[_ref(p) for p in facts.pairs],
    )


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    monday = parse_week(week)
    return _local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz)


async def load_digest(
    session: AsyncSession, programme_id: int, week: str, now: datetime, tz: ZoneInfo
) -> Digest:
    """The digest for a week, as of its end (or now, for the running week)."""
    week_start, week_end = week_bounds(week, tz)
    as_of = min(now, week_end)
    facts = await digest_facts(
        session, programme_id, as_of=as_of, week_start=week_start, week_end=week_end
    )
    return build_digest(facts, week, as_of, tz)


async def load_period(
    session: AsyncSession, programme_id: int, start: date, end: date, now: datetime, tz: ZoneInfo
) -> tuple[DigestFacts, Digest]:
    """Facts for a period (its sums cover start..end) and the figures as of the period's end."""
    period_start, period_end = _local_midnight(start, tz), _local_midnight(end + timedelta(1), tz)
    as_of = min(now, period_end)
    facts = await digest_facts(
        session, programme_id, as_of=as_of, week_start=period_start, week_end=period_end
    )
    return facts, build_digest(facts, iso_week(end), as_of, tz)


async def send_weekly_digest(runtime: Runtime, week: str | None = None) -> int:
    """The scheduler's weekly job: one e-mail per recipient; returns how many were sent."""
    from mentoring.digest_mail import send_digest

    return await send_digest(runtime, week)
