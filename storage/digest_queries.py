"""The weekly digest's summary: its figures in a fixed number of statements, whatever the size.

Totals are aggregates over the whole programme; only the rows the e-mail names (the first SHOWN
of each list) leave the database. The rules are applied in SQL, with the thresholds
`mentoring.digest` works out (`DigestWindow`). Tests hold these figures to the ones
`mentoring.digest.build_digest` computes from `storage.queries.digest_facts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select, text, true, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    AuditEntry,
    Company,
    ContactPoint,
    HoursReport,
    InboxItem,
    JobOpening,
    Lookup,
    Match,
    Meeting,
    Mentor,
    OutboxMessage,
    Outcome,
    Person,
    Programme,
    Youth,
)
from storage.queries import CALL_ACTION, ENDED, MATCHED, PersonFacts, week_sums

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
    call_sides: tuple[str, ...] = ()  # sides due a call


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


@dataclass
class DigestSummary:
    programme: Programme
    pairs: Listing[PairRow]  # every pair but the declined, by id
    matched_youths: int
    matched_by_point: list[int]  # youths matched before each of the window's week points
    ended: int
    full_term: int
    new_this_week: int
    new_last_week: int
    outcomes_measured: int
    self_supporting: int
    students: int
    in_education: int
    subsidised: int
    companies: int
    companies_this_week: int
    companies_last_week: int
    openings: int
    openings_this_week: int
    openings_last_week: int
    held_this_week: int
    held_last_week: int
    hours_this_week: int
    hours_last_week: int
    signups_this_week: int
    signups_last_week: int
    at_risk: Listing[PairRow]
    calls_due: Listing[PairRow]
    ending_soon: Listing[PairRow]
    hours: Listing[PairRow]  # a sample of the active pairs, most hours first; total = active
    below_hours: int
    surveys: Listing[PairRow]
    unconfirmed: Listing[MeetingRow]
    waiting: Listing[PersonFacts]
    mentors_free: Listing[PersonFacts]
    unreachable: Listing[PersonFacts]
    inbox: Listing[PersonFacts]


LOCAL_DAY = "mentorbot_local_day"


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _total(rows: Sequence[Any]) -> int:
    """Listing queries carry their list's total in a window-count column named `total`."""
    return int(rows[0].total) if rows else 0


def _local_day_text(tz: ZoneInfo, stored: str | None) -> str | None:
    if stored is None:
        return None
    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(tz).date().isoformat()


async def _local_day(session: AsyncSession, column: Any, tz: ZoneInfo) -> Any:
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


def _count(condition: Any) -> Any:
    """How many rows meet a condition (0 when there are none)."""
    return func.coalesce(func.sum(_flag(condition)), 0)


def _between(column: Any, start: Any, end: Any) -> Any:
    return and_(column >= start, column < end)


def _first_name(person_id: Any) -> Any:
    """A person's first name looked up by key: for the few rows a list names, a lookup each is
    cheaper than joining the people table (and keeps the planner from hashing all of it)."""
    return select(Person.first_name).where(Person.id == person_id).scalar_subquery()


def _named(inner: Any, *order: Any) -> Any:
    """A cut subquery of pairs with the two first names looked up (for its few rows only)."""
    return select(
        inner,
        _first_name(inner.c.youth_id).label("youth_name"),
        _first_name(inner.c.mentor_id).label("mentor_name"),
    ).order_by(*order)


def _pair_row(r: Any, **extra: Any) -> PairRow:
    return PairRow(r.id, r.youth_id, r.youth_name or "", r.mentor_id, r.mentor_name or "", **extra)


def _points_at_or_before(moment: Any, points: Sequence[datetime], lo: int, hi: int) -> Any:
    """How many of the sorted `points` are at or before `moment`, known to be between lo and hi:
    a binary search written as nested CASEs (a handful of comparisons a row, not one a point)."""
    if lo == hi:
        return literal(lo)
    mid = (lo + hi) // 2
    return case(
        (moment < points[mid], _points_at_or_before(moment, points, lo, mid)),
        else_=_points_at_or_before(moment, points, mid + 1, hi),
    )


@dataclass(frozen=True)
class _PairTotals:
    pairs: Listing[PairRow]
    ended: int
    full_term: int
    new_this_week: int
    new_last_week: int


async def _pairs(session: AsyncSession, programme_id: int, w: DigestWindow) -> _PairTotals:
    """Every pair but the declined: the first SHOWN by id, and the pair-level totals in one pass
    (an aggregate, joined once onto the named rows)."""
    kept = (Match.programme_id == programme_id, Match.status != "declined")
    matched = and_(Match.status.in_(MATCHED), Match.accepted_at <= w.as_of)
    ended = and_(matched, Match.status.in_(ENDED), Match.ended_at <= w.as_of)
    totals = (
        select(
            func.count().label("total"),
            _count(ended).label("ended"),
            _count(and_(ended, Match.status == "completed")).label("full_term"),
            _count(and_(matched, _between(Match.accepted_at, w.week_start, w.week_end))).label(
                "new"
            ),
            _count(and_(matched, _between(Match.accepted_at, w.last_start, w.week_start))).label(
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
                _first_name(first.c.youth_id).label("youth_name"),
                _first_name(first.c.mentor_id).label("mentor_name"),
            )
            .select_from(totals)
            .outerjoin(first, true())
            .order_by(first.c.id)
        )
    ).all()
    head = rows[0]  # the totals come once, with or without pairs to name
    return _PairTotals(
        pairs=Listing([_pair_row(r) for r in rows if r.id is not None], int(head.total)),
        ended=int(head.ended),
        full_term=int(head.full_term),
        new_this_week=int(head.new),
        new_last_week=int(head.new_last),
    )


async def _matched_youths(
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
        _points_at_or_before(first.c.first, points, 0, len(points)).label("place")
    ).subquery()
    rows = await session.execute(select(placed.c.place, func.count()).group_by(placed.c.place))
    counts: dict[int, int] = {int(place): int(n) for place, n in rows}
    # A youth whose first match is before point i has at most i points at or before it.
    before, total = [], 0
    for i in range(len(points)):
        total += counts.get(i, 0)
        before.append(total)
    return sum(counts.values()), before


async def _outcomes(session: AsyncSession, programme_id: int, w: DigestWindow) -> Any:
    """Outcomes: each youth's newest registration counts; a hit needs a pair behind it.
    One row: measured, self-supporting, students, in education, subsidised."""
    newest = (
        select(
            Outcome.youth_id,
            Outcome.match_id,
            Outcome.target_group,
            Outcome.category,
            func.row_number()
            .over(
                partition_by=func.coalesce(Outcome.youth_id, -Outcome.id),
                order_by=(Outcome.observed_on.desc(), Outcome.id.desc()),
            )
            .label("rank"),
        )
        .where(Outcome.programme_id == programme_id, Outcome.created_at < w.week_end)
        .subquery()
    )
    any_pair = aliased(Match)
    youth_pair = aliased(Match)
    has_pair = or_(
        select(any_pair.id)
        .where(
            any_pair.id == newest.c.match_id,
            any_pair.programme_id == programme_id,
            any_pair.status != "declined",
        )
        .exists(),
        select(youth_pair.id)
        .where(
            youth_pair.youth_id == newest.c.youth_id,
            youth_pair.programme_id == programme_id,
            youth_pair.status.in_(MATCHED),
            youth_pair.accepted_at <= w.as_of,
        )
        .exists(),
    )

    flags = await session.execute(select(Lookup.code, Lookup.attrs).where(Lookup.kind == "outcome"))
    codes_of = {code: dict(attrs or {}) for code, attrs in flags.all()}

    def hits(flag: str, *more: Any) -> Any:
        codes = [code for code, attrs in codes_of.items() if attrs.get(flag)]
        return func.coalesce(
            func.sum(_flag(and_(newest.c.category.in_(codes), has_pair, *more))), 0
        )

    student = newest.c.target_group == "student"
    return (
        await session.execute(
            select(
                func.count(),
                hits("self_supporting"),
                func.coalesce(func.sum(_flag(student)), 0),
                hits("in_education", student),
                hits("subsidised"),
            ).where(newest.c.rank == 1)
        )
    ).one()


async def _last_meeting(session: AsyncSession, as_of: datetime) -> Any:
    """A pair's last held or confirmed meeting, as a per-pair look-up. PostgreSQL takes the
    latest of each status from the index's end (with both in one look-up it reads every
    meeting of the pair); SQLite finds the end of each status itself."""

    def latest(*statuses: str) -> Any:
        return (
            select(func.max(Meeting.starts_at))
            .where(
                Meeting.match_id == Match.id,
                Meeting.status.in_(statuses),
                Meeting.starts_at <= as_of,
            )
            .scalar_subquery()
        )

    if (await session.connection()).dialect.name == "postgresql":
        return func.greatest(latest("held"), latest("confirmed"))
    return latest("held", "confirmed")


@dataclass(frozen=True)
class _ActiveLists:
    at_risk: Listing[PairRow]
    calls_due: Listing[PairRow]
    ending_soon: Listing[PairRow]
    hours: Listing[PairRow]
    below_hours: int


async def _active(session: AsyncSession, programme_id: int, w: DigestWindow) -> _ActiveLists:
    """Active pairs: the facts behind the at-risk and call rules worked out once per pair, the
    rules applied once per pair, the totals counted in one pass over them, and only the rows
    the lists name (plus an even sample of the pairs by hours, for the chart) fetched."""
    last_meeting = await _last_meeting(session, w.as_of)
    minutes = (
        select(func.coalesce(func.sum(HoursReport.minutes), 0))
        .where(
            HoursReport.match_id == Match.id,
            HoursReport.month == w.hours_month,
            HoursReport.reported_at < w.week_end,
        )
        .scalar_subquery()
    )
    unanswered = (  # the youth's and the mentor's, in one look-up (they are two people)
        select(func.count())
        .where(
            OutboxMessage.person_id.in_((Match.youth_id, Match.mentor_id)),
            OutboxMessage.awaiting_reply.is_(True),
            OutboxMessage.status.in_(("sent", "delivered")),
            OutboxMessage.sent_at <= w.unanswered_before,
        )
        .scalar_subquery()
    )
    side = func.coalesce(AuditEntry.details["side"].as_string(), "both")
    needed = _flag(Match.starts_on <= w.one_call_from) + _flag(Match.starts_on <= w.two_calls_from)

    def call_due(who: str) -> Any:
        """In the first month, fewer calls than needed so far; after it, no call in the last
        month (the call rule, with one look-up a side)."""
        calls = (
            AuditEntry.entity == "match",
            AuditEntry.entity_id == Match.id,
            AuditEntry.action == CALL_ACTION,
            AuditEntry.at < w.week_end,
            side.in_((who, "both")),
        )
        made = select(func.count()).where(*calls).scalar_subquery()
        recent = select(AuditEntry.id).where(*calls, AuditEntry.at >= w.call_stale_before)
        return case(
            (Match.starts_on > w.first_month_after, _flag(made < needed)),
            else_=_flag(~recent.exists()),
        )

    facts = (
        select(
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            Match.starts_on,
            Match.ends_on,
            Match.unsure_flag_at,
            Match.at_risk_reason,
            last_meeting.label("last_meeting_at"),
            minutes.label("minutes"),
            unanswered.label("unanswered"),
            call_due("youth").label("youth_due"),
            call_due("mentor").label("mentor_due"),
        )
        .where(
            Match.programme_id == programme_id,
            Match.status == "active",
            Match.starts_on.is_not(None),
            Match.starts_on <= w.today,
        )
        .cte("active_facts")
        .prefix_with("MATERIALIZED")
    )
    f = facts.c
    reasons = [
        _flag(
            or_(
                and_(f.last_meeting_at.is_not(None), f.last_meeting_at < w.quiet_before),
                and_(f.last_meeting_at.is_(None), f.starts_on <= w.quiet_start_on),
            )
        ),
        _flag(and_(f.starts_on <= w.hours_month, f.minutes < w.commitment_minutes))
        if w.hours_check
        else literal(0),
        _flag(f.unanswered > 0),
        _flag(and_(f.unsure_flag_at.is_not(None), f.unsure_flag_at <= w.as_of)),
        _flag(and_(f.at_risk_reason.is_not(None), f.at_risk_reason != "")),
    ]
    # The rules, applied once per pair: every later use reads plain columns.
    ruled = (
        select(
            facts,
            sum(reasons[1:], reasons[0]).label("reasons"),
            _flag(and_(f.ends_on >= w.today, f.ends_on <= w.ending_until)).label("ending"),
        )
        .cte("active_ruled")
        .prefix_with("MATERIALIZED")
    )
    r = ruled.c
    calling = or_(r.youth_due > 0, r.mentor_due > 0)
    totals = (
        select(
            func.count().label("active"),
            _count(r.reasons > 0).label("at_risk"),
            _count(calling).label("calls_due"),
            _count(r.ending > 0).label("ending_soon"),
            _count(r.minutes < w.commitment_minutes).label("below"),
        )
        .cte("active_totals")
        .prefix_with("MATERIALIZED")
    )

    # The rows named: the first SHOWN of each list (a top-N scan each, no full sort) and an
    # even sample of the pairs sorted by hours for the chart (a sort of two narrow columns).
    def first(condition: Any, *order: Any) -> Any:
        return select(r.id).where(condition).order_by(*order).limit(SHOWN).subquery().select()

    by_hours = select(
        r.id, func.row_number().over(order_by=(r.minutes.desc(), r.id)).label("rank")
    ).subquery()
    active = select(totals.c.active).scalar_subquery()
    step = (by_hours.c.rank - 1) * HOURS_SAMPLES
    sample = (
        select(by_hours.c.id)
        .where(
            or_(
                by_hours.c.rank == 1,
                step.self_group().op("/")(active)
                != (step - HOURS_SAMPLES).self_group().op("/")(active),
            )
        )
        .limit(HOURS_SAMPLES)  # there are never more; it tells PostgreSQL how few there are
        .cte("hours_sample")
        .prefix_with("MATERIALIZED")
    )
    picked = union(
        first(r.reasons > 0, r.reasons.desc(), r.id),
        first(calling, r.id),
        first(r.ending > 0, r.ends_on, r.id),
        select(sample.c.id),
    ).subquery()
    rows = (
        await session.execute(
            select(
                ruled,
                _flag(r.id.in_(select(sample.c.id))).label("sampled"),
                totals,
                _first_name(r.youth_id).label("youth_name"),
                _first_name(r.mentor_id).label("mentor_name"),
            )
            .select_from(ruled)
            .join(totals, true())
            .where(r.id.in_(select(picked.c.id)))
            .order_by(r.id)
        )
    ).all()
    head = rows[0] if rows else None

    def active_row(a: Any) -> PairRow:
        sides = tuple(s for s, d in (("youth", a.youth_due), ("mentor", a.mentor_due)) if d)
        return _pair_row(
            a,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
            unsure_flag_at=a.unsure_flag_at,
            at_risk_reason=a.at_risk_reason,
            last_meeting_at=a.last_meeting_at,
            minutes=int(a.minutes or 0),
            unanswered=int(a.unanswered or 0),
            call_sides=sides,
        )

    def total(name: str) -> int:
        return int(getattr(head, name) or 0) if head else 0

    def listing(keep: Any, key: Any, name: str) -> Listing[PairRow]:
        """A list's first rows: every row it holds is among the picked, and rows picked for
        another list sort after them."""
        named = sorted((a for a in rows if keep(a)), key=key)[:SHOWN]
        return Listing([active_row(a) for a in named], total(name))

    return _ActiveLists(
        at_risk=listing(lambda a: a.reasons > 0, lambda a: (-a.reasons, a.id), "at_risk"),
        calls_due=listing(lambda a: a.youth_due or a.mentor_due, lambda a: a.id, "calls_due"),
        ending_soon=listing(lambda a: a.ending > 0, lambda a: (a.ends_on, a.id), "ending_soon"),
        hours=Listing(
            [active_row(a) for a in sorted(rows, key=lambda a: (-a.minutes, a.id)) if a.sampled],
            total("active"),
        ),
        below_hours=total("below"),
    )


async def _surveys(session: AsyncSession, programme_id: int, w: DigestWindow) -> Listing[PairRow]:
    """Each youth's last ended pair, due three months on, unless an outcome came since."""
    ended = and_(Match.status.in_(ENDED), Match.accepted_at <= w.as_of, Match.ended_at <= w.as_of)
    last_ended = (
        select(
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            Match.ended_at,
            func.row_number()
            .over(partition_by=Match.youth_id, order_by=(Match.ended_at.desc(), Match.id.desc()))
            .label("rank"),
        )
        .where(Match.programme_id == programme_id, ended)
        .subquery()
    )
    finished = await _local_day(session, last_ended.c.ended_at, w.tz)
    answered = (
        select(Outcome.id)
        .where(
            Outcome.programme_id == programme_id,
            Outcome.youth_id == last_ended.c.youth_id,
            Outcome.created_at < w.week_end,
            Outcome.observed_on >= finished,
        )
        .exists()
    )
    surveys_q = (
        select(
            last_ended.c.id,
            last_ended.c.youth_id,
            last_ended.c.mentor_id,
            last_ended.c.ended_at,
            func.count().over().label("total"),
        )
        .where(
            last_ended.c.rank == 1,
            last_ended.c.ended_at < w.survey_ended_before,
            ~answered,
        )
        .order_by(last_ended.c.ended_at, last_ended.c.id)
        .limit(SHOWN)
        .subquery()
    )
    survey_rows = (
        await session.execute(_named(surveys_q, surveys_q.c.ended_at, surveys_q.c.id))
    ).all()
    return Listing([_pair_row(r, ended_at=r.ended_at) for r in survey_rows], _total(survey_rows))


async def _held(session: AsyncSession, programme_id: int, w: DigestWindow) -> Any:
    """Meetings held this week and last, by any pair of the programme (one row of two counts)."""
    return (
        await session.execute(
            select(
                _count(Meeting.starts_at >= w.week_start), _count(Meeting.starts_at < w.week_start)
            ).where(
                Meeting.match_id.in_(select(Match.id).where(Match.programme_id == programme_id)),
                Meeting.status == "held",
                _between(Meeting.starts_at, w.last_start, w.week_end),
            )
        )
    ).one()


async def _proposals(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> Listing[MeetingRow]:
    """Proposed meetings still to come, soonest first."""
    proposals = (
        select(
            Meeting.id.label("meeting_id"),
            Meeting.starts_at,
            Meeting.proposed_at,
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            func.count().over().label("total"),
        )
        .join(Match, Match.id == Meeting.match_id)
        .where(
            Match.programme_id == programme_id,
            Match.status != "declined",
            Meeting.status == "proposed",
            Meeting.starts_at > w.as_of,
            Meeting.proposed_at <= w.as_of,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(SHOWN)
        .subquery()
    )
    proposal_rows = (
        await session.execute(_named(proposals, proposals.c.starts_at, proposals.c.meeting_id))
    ).all()
    return Listing(
        [MeetingRow(r.meeting_id, _pair_row(r), r.starts_at, r.proposed_at) for r in proposal_rows],
        _total(proposal_rows),
    )


async def _week_sums(session: AsyncSession, programme_id: int, w: DigestWindow) -> tuple[Any, Any]:
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
                Person.role == "youth",
                _between(Person.created_at, w.last_start, w.week_end),
            )
        )
    ).one()
    return hours, signups


@dataclass(frozen=True)
class _People:
    waiting: Listing[PersonFacts]
    mentors_free: Listing[PersonFacts]
    unreachable: Listing[PersonFacts]
    inbox: Listing[PersonFacts]


async def _people_lists(session: AsyncSession, programme_id: int, w: DigestWindow) -> _People:
    """Waiting youths, mentors with room, contact points that failed, unhandled inbox items."""
    waiting = await _people(
        session,
        select(
            Person.id,
            Person.first_name,
            Youth.waiting_since,
            Youth.target_group,
            func.count().over().label("total"),
        )
        .join(Youth, Youth.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status == "active",
            Youth.waiting_since.is_not(None),
            Youth.waiting_since <= w.as_of,
        )
        .order_by(Youth.waiting_since, Person.id),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], r[3]),
    )
    open_pairs = (
        select(Match.mentor_id, func.count().label("taken"))
        .where(Match.status.in_(("proposed", "active")))
        .group_by(Match.mentor_id)
        .subquery()
    )
    taken = func.coalesce(open_pairs.c.taken, 0)
    mentors_free = await _people(
        session,
        select(
            Person.id,
            Person.first_name,
            Mentor.capacity,
            taken,
            func.count().over().label("total"),
        )
        .join(Mentor, Mentor.person_id == Person.id)
        .outerjoin(open_pairs, open_pairs.c.mentor_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status == "active",
            Mentor.approval == "approved",
            Mentor.capacity > taken,
        )
        .order_by(Person.first_name, Person.id),
        lambda r: PersonFacts(r[0], r[1] or "", None, str(r[2]), int(r[2]) - int(r[3])),
    )
    # Unreachable contacts, read from the contact points that failed ("not ok" as two ranges,
    # so the index on state finds the few; != cannot use it), each owner looked up by key.
    owner_name = _first_name(ContactPoint.person_id).label("first_name")
    unreachable = await _people(
        session,
        select(
            ContactPoint.person_id,
            owner_name,
            ContactPoint.state_changed_at,
            ContactPoint.channel,
            ContactPoint.state,
            func.count().over().label("total"),
        )
        .where(
            or_(ContactPoint.state < "ok", ContactPoint.state > "ok"),
            select(Person.id)
            .where(
                Person.id == ContactPoint.person_id,
                Person.programme_id == programme_id,
                Person.status != "erased",
            )
            .exists(),
        )
        .order_by(owner_name, ContactPoint.person_id, ContactPoint.channel),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], f"{r[3]}:{r[4]}"),
    )
    inbox = await _people(
        session,
        select(
            InboxItem.id,
            Person.first_name,
            InboxItem.created_at,
            InboxItem.kind,
            func.count().over().label("total"),
        )
        .outerjoin(Person, Person.id == InboxItem.person_id)
        .where(
            InboxItem.programme_id == programme_id,
            InboxItem.handled_at.is_(None),
            InboxItem.created_at < w.week_end,
        )
        .order_by(InboxItem.created_at, InboxItem.id),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], r[3]),
    )

    return _People(waiting, mentors_free, unreachable, inbox)


async def _companies_and_openings(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> tuple[Any, Any]:
    """Companies contacted outside the partnership and job openings: in all, this week and last.
    A company's contact day falls back on its creation (UTC) day."""

    def contacted_within(start: date | None, end: date) -> Any:
        on, created = Company.first_contact_on, Company.created_at
        if start is None:
            return or_(on < end, and_(on.is_(None), created < _utc_midnight(end)))
        return or_(
            _between(on, start, end),
            and_(on.is_(None), _between(created, _utc_midnight(start), _utc_midnight(end))),
        )

    next_monday = w.monday + timedelta(days=7)
    last_monday = w.monday - timedelta(days=7)
    companies = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(
                        _flag(
                            and_(
                                Company.outside_partnership.is_(True),
                                contacted_within(None, w.today + timedelta(days=1)),
                            )
                        )
                    ),
                    0,
                ),
                func.coalesce(func.sum(_flag(contacted_within(w.monday, next_monday))), 0),
                func.coalesce(func.sum(_flag(contacted_within(last_monday, w.monday))), 0),
            ).where(Company.programme_id == programme_id)
        )
    ).one()
    openings = (
        await session.execute(
            select(
                func.coalesce(func.sum(_flag(JobOpening.created_on <= w.today)), 0),
                func.coalesce(
                    func.sum(_flag(_between(JobOpening.created_on, w.monday, next_monday))), 0
                ),
                func.coalesce(
                    func.sum(_flag(_between(JobOpening.created_on, last_monday, w.monday))), 0
                ),
            ).where(JobOpening.programme_id == programme_id)
        )
    ).one()
    return companies, openings


async def digest_summary(
    session: AsyncSession, programme: Programme, w: DigestWindow
) -> DigestSummary:
    """The digest's figures in a fixed number of statements: totals are aggregates over the
    whole programme; only the rows the e-mail names (at most SHOWN a list) leave the database."""
    programme_id = programme.id
    if (await session.connection()).dialect.name == "postgresql":
        # The per-pair subqueries make the planner's estimates large enough to trigger JIT
        # compilation, which costs seconds here against milliseconds of execution.
        await session.execute(text("SET LOCAL jit = off"))
    pairs = await _pairs(session, programme_id, w)
    matched_youths, matched_by_point = await _matched_youths(session, programme_id, w)
    outcomes = await _outcomes(session, programme_id, w)
    active = await _active(session, programme_id, w)
    surveys = await _surveys(session, programme_id, w)
    held = await _held(session, programme_id, w)
    unconfirmed = await _proposals(session, programme_id, w)
    hours, signups = await _week_sums(session, programme_id, w)
    people = await _people_lists(session, programme_id, w)
    companies, openings = await _companies_and_openings(session, programme_id, w)

    def count(value: Any) -> int:
        return int(value or 0)

    return DigestSummary(
        programme=programme,
        pairs=pairs.pairs,
        matched_youths=matched_youths,
        matched_by_point=matched_by_point,
        ended=pairs.ended,
        full_term=pairs.full_term,
        new_this_week=pairs.new_this_week,
        new_last_week=pairs.new_last_week,
        outcomes_measured=count(outcomes[0]),
        self_supporting=count(outcomes[1]),
        students=count(outcomes[2]),
        in_education=count(outcomes[3]),
        subsidised=count(outcomes[4]),
        companies=count(companies[0]),
        companies_this_week=count(companies[1]),
        companies_last_week=count(companies[2]),
        openings=count(openings[0]),
        openings_this_week=count(openings[1]),
        openings_last_week=count(openings[2]),
        held_this_week=count(held[0]),
        held_last_week=count(held[1]),
        hours_this_week=count(hours[0]),
        hours_last_week=count(hours[1]),
        signups_this_week=count(signups[0]),
        signups_last_week=count(signups[1]),
        at_risk=active.at_risk,
        calls_due=active.calls_due,
        ending_soon=active.ending_soon,
        hours=active.hours,
        below_hours=active.below_hours,
        surveys=surveys,
        unconfirmed=unconfirmed,
        waiting=people.waiting,
        mentors_free=people.mentors_free,
        unreachable=people.unreachable,
        inbox=people.inbox,
    )


async def _people(session: AsyncSession, query: Any, make: Any) -> Listing[PersonFacts]:
    rows = (await session.execute(query.limit(SHOWN))).all()
    return Listing([make(r) for r in rows], _total(rows))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
