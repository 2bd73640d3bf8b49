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

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select, text, union
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


def _named(inner: Any, *order: Any) -> Any:
    """A cut subquery of pairs with the two first names joined on (for its few rows only)."""
    youth_p, mentor_p = aliased(Person), aliased(Person)
    return (
        select(
            inner,
            youth_p.first_name.label("youth_name"),
            mentor_p.first_name.label("mentor_name"),
        )
        .join(youth_p, youth_p.id == inner.c.youth_id)
        .join(mentor_p, mentor_p.id == inner.c.mentor_id)
        .order_by(*order)
    )


def _pair_row(r: Any, **extra: Any) -> PairRow:
    return PairRow(r.id, r.youth_id, r.youth_name or "", r.mentor_id, r.mentor_name or "", **extra)


async def digest_summary(
    session: AsyncSession, programme: Programme, w: DigestWindow
) -> DigestSummary:
    """The digest's figures in a fixed number of statements: totals are aggregates and window
    counts over the whole programme; only the rows the e-mail names (at most SHOWN a list)
    leave the database."""
    programme_id = programme.id
    if (await session.connection()).dialect.name == "postgresql":
        # The per-pair subqueries make the planner's estimates large enough to trigger JIT
        # compilation, which costs seconds here against milliseconds of execution.
        await session.execute(text("SET LOCAL jit = off"))
    in_programme = Match.programme_id == programme_id
    matched = and_(Match.status.in_(MATCHED), Match.accepted_at <= w.as_of)
    ended = and_(matched, Match.status.in_(ENDED), Match.ended_at <= w.as_of)

    def over(condition: Any) -> Any:
        return func.sum(_flag(condition)).over()

    def between(column: Any, start: Any, end: Any) -> Any:
        return and_(column >= start, column < end)

    # Every pair but the declined: the first SHOWN by id, with the pair-level totals.
    pairs_q = (
        select(
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            over(ended).label("ended"),
            over(and_(ended, Match.status == "completed")).label("full_term"),
            over(and_(matched, between(Match.accepted_at, w.week_start, w.week_end))).label("new"),
            over(and_(matched, between(Match.accepted_at, w.last_start, w.week_start))).label(
                "new_last"
            ),
            func.count().over().label("total"),
        )
        .where(in_programme, Match.status != "declined")
        .order_by(Match.id)
        .limit(SHOWN)
        .subquery()
    )
    pair_rows = (await session.execute(_named(pairs_q, pairs_q.c.id))).all()
    head = pair_rows[0] if pair_rows else None

    # Youths matched (their first pair counts), in all and before each point of the chart.
    first_q = (
        select(Match.youth_id, func.min(Match.accepted_at).label("first"))
        .where(in_programme, matched)
        .group_by(Match.youth_id)
        .subquery()
    )
    youths = (
        await session.execute(
            select(
                func.count(),
                *(func.coalesce(func.sum(_flag(first_q.c.first < p)), 0) for p in w.week_points),
            ).select_from(first_q)
        )
    ).one()

    # Outcomes: each youth's newest registration counts; a hit needs a pair behind it.
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
    outcomes = (
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

    # Active pairs: the facts behind the at-risk and call rules, worked out once per pair.
    last_meeting = (
        select(func.max(Meeting.starts_at))
        .where(
            Meeting.match_id == Match.id,
            Meeting.status.in_(("held", "confirmed")),
            Meeting.starts_at <= w.as_of,
        )
        .scalar_subquery()
    )
    minutes = (
        select(func.coalesce(func.sum(HoursReport.minutes), 0))
        .where(
            HoursReport.match_id == Match.id,
            HoursReport.month == w.hours_month,
            HoursReport.reported_at < w.week_end,
        )
        .scalar_subquery()
    )

    def unanswered(person: Any) -> Any:
        return (
            select(func.count())
            .where(
                OutboxMessage.person_id == person,
                OutboxMessage.awaiting_reply.is_(True),
                OutboxMessage.status.in_(("sent", "delivered")),
                OutboxMessage.sent_at <= w.unanswered_before,
            )
            .scalar_subquery()
        )

    side = func.coalesce(AuditEntry.details["side"].as_string(), "both")

    def calls(who: str, aggregate: Any) -> Any:
        return (
            select(aggregate)
            .where(
                AuditEntry.entity == "match",
                AuditEntry.entity_id == Match.id,
                AuditEntry.action == CALL_ACTION,
                AuditEntry.at < w.week_end,
                side.in_((who, "both")),
            )
            .scalar_subquery()
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
            (unanswered(Match.youth_id) + unanswered(Match.mentor_id)).label("unanswered"),
            calls("youth", func.count()).label("youth_calls"),
            calls("youth", func.max(AuditEntry.at)).label("youth_last_call"),
            calls("mentor", func.count()).label("mentor_calls"),
            calls("mentor", func.max(AuditEntry.at)).label("mentor_last_call"),
        )
        .where(
            in_programme,
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
    needed = _flag(f.starts_on <= w.one_call_from) + _flag(f.starts_on <= w.two_calls_from)
    in_first_month = f.starts_on > w.first_month_after

    def due(count: Any, last: Any) -> Any:
        return case(
            (in_first_month, _flag(count < needed)),
            else_=_flag(or_(last.is_(None), last < w.call_stale_before)),
        )

    n_reasons = sum(reasons[1:], reasons[0])
    youth_due = due(f.youth_calls, f.youth_last_call)
    mentor_due = due(f.mentor_calls, f.mentor_last_call)
    calling = _flag(youth_due + mentor_due > 0)
    ending = and_(f.ends_on >= w.today, f.ends_on <= w.ending_until)

    # The rows named: the first SHOWN of each list (a top-N scan each, no full sort) and an
    # even sample of the pairs sorted by hours for the chart (a sort of two narrow columns).
    def first(condition: Any, *order: Any) -> Any:
        return select(f.id).where(condition).order_by(*order).limit(SHOWN).subquery().select()

    by_hours = select(
        f.id,
        func.row_number().over(order_by=(f.minutes.desc(), f.id)).label("rank"),
        func.count().over().label("active"),
    ).subquery()
    step = (by_hours.c.rank - 1) * HOURS_SAMPLES
    sample = (
        select(by_hours.c.id)
        .where(
            or_(
                by_hours.c.rank == 1,
                step.self_group().op("/")(by_hours.c.active)
                != (step - HOURS_SAMPLES).self_group().op("/")(by_hours.c.active),
            )
        )
        .cte("hours_sample")
        .prefix_with("MATERIALIZED")
    )
    picked = union(
        first(n_reasons > 0, n_reasons.desc(), f.id),
        first(calling > 0, f.id),
        first(ending, f.ends_on, f.id),
        select(sample.c.id),
    ).subquery()

    def total(expression: Any) -> Any:
        return select(func.coalesce(func.sum(expression), 0)).scalar_subquery()

    shown = (
        select(
            facts,
            n_reasons.label("reasons"),
            youth_due.label("youth_due"),
            mentor_due.label("mentor_due"),
            calling.label("calling"),
            _flag(ending).label("ending"),
            _flag(f.id.in_(select(sample.c.id))).label("sampled"),
            select(func.count()).select_from(facts).scalar_subquery().label("active"),
            total(_flag(n_reasons > 0)).label("at_risk"),
            total(calling).label("calls_due"),
            total(_flag(ending)).label("ending_soon"),
            total(_flag(f.minutes < w.commitment_minutes)).label("below"),
        )
        .where(f.id.in_(select(picked.c.id)))
        .cte("shown")
        .prefix_with("MATERIALIZED")  # the names are joined on the picked rows only
    )
    active_rows = (await session.execute(_named(shown, shown.c.id))).all()
    active_head = active_rows[0] if active_rows else None

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

    def listing(keep: Any, key: Any, total: str) -> Listing[PairRow]:
        """A list's first rows: every row it holds is among the picked, and rows picked for
        another list sort after them."""
        rows = sorted((a for a in active_rows if keep(a)), key=key)[:SHOWN]
        return Listing(
            [active_row(a) for a in rows],
            int(getattr(active_head, total) or 0) if active_head else 0,
        )

    # Surveys: each youth's last ended pair, due three months on, unless an outcome came since.
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
        .where(in_programme, ended)
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

    # Meetings: held this week and last (any pair of the programme), and proposals waiting.
    prog_matches = select(Match.id).where(in_programme)
    held = (
        await session.execute(
            select(
                func.coalesce(func.sum(_flag(Meeting.starts_at >= w.week_start)), 0),
                func.coalesce(func.sum(_flag(Meeting.starts_at < w.week_start)), 0),
            ).where(
                Meeting.match_id.in_(prog_matches),
                Meeting.status == "held",
                between(Meeting.starts_at, w.last_start, w.week_end),
            )
        )
    ).one()
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
            in_programme,
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

    this_h, last_h = week_sums(
        HoursReport.minutes, HoursReport.reported_at, w.week_start, w.week_end
    )
    hours = (
        await session.execute(select(this_h, last_h).where(HoursReport.match_id.in_(prog_matches)))
    ).one()
    this_s, last_s = week_sums(1, Person.created_at, w.week_start, w.week_end)
    signups = (
        await session.execute(
            select(this_s, last_s).where(
                Person.programme_id == programme_id, Person.role == "youth"
            )
        )
    ).one()

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
    unreachable = await _people(
        session,
        select(
            Person.id,
            Person.first_name,
            ContactPoint.state_changed_at,
            ContactPoint.channel,
            ContactPoint.state,
            func.count().over().label("total"),
        )
        .join(ContactPoint, ContactPoint.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status != "erased",
            ContactPoint.state != "ok",
        )
        .order_by(Person.first_name, Person.id, ContactPoint.channel),
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

    # Companies and job openings: a company's contact day falls back on its creation (UTC) day.
    def contacted_within(start: date | None, end: date) -> Any:
        on, created = Company.first_contact_on, Company.created_at
        if start is None:
            return or_(on < end, and_(on.is_(None), created < _utc_midnight(end)))
        return or_(
            between(on, start, end),
            and_(on.is_(None), between(created, _utc_midnight(start), _utc_midnight(end))),
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
                    func.sum(_flag(between(JobOpening.created_on, w.monday, next_monday))), 0
                ),
                func.coalesce(
                    func.sum(_flag(between(JobOpening.created_on, last_monday, w.monday))), 0
                ),
            ).where(JobOpening.programme_id == programme_id)
        )
    ).one()

    def count(value: Any) -> int:
        return int(value or 0)

    return DigestSummary(
        programme=programme,
        pairs=Listing([_pair_row(r) for r in pair_rows], _total(pair_rows)),
        matched_youths=count(youths[0]),
        matched_by_point=[count(v) for v in youths[1:]],
        ended=count(head.ended if head else 0),
        full_term=count(head.full_term if head else 0),
        new_this_week=count(head.new if head else 0),
        new_last_week=count(head.new_last if head else 0),
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
        at_risk=listing(lambda a: a.reasons > 0, lambda a: (-a.reasons, a.id), "at_risk"),
        calls_due=listing(lambda a: a.calling > 0, lambda a: a.id, "calls_due"),
        ending_soon=listing(lambda a: a.ending > 0, lambda a: (a.ends_on, a.id), "ending_soon"),
        hours=Listing(
            [
                active_row(a)
                for a in sorted(active_rows, key=lambda a: (-a.minutes, a.id))
                if a.sampled
            ],
            count(active_head.active if active_head else 0),
        ),
        below_hours=count(active_head.below if active_head else 0),
        surveys=Listing(
            [_pair_row(r, ended_at=r.ended_at) for r in survey_rows], _total(survey_rows)
        ),
        unconfirmed=Listing(
            [
                MeetingRow(r.meeting_id, _pair_row(r), r.starts_at, r.proposed_at)
                for r in proposal_rows
            ],
            _total(proposal_rows),
        ),
        waiting=waiting,
        mentors_free=mentors_free,
        unreachable=unreachable,
        inbox=inbox,
    )


async def _people(session: AsyncSession, query: Any, make: Any) -> Listing[PersonFacts]:
    rows = (await session.execute(query.limit(SHOWN))).all()
    return Listing([make(r) for r in rows], _total(rows))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
