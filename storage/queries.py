"""The digest's facts in full, in a fixed number of statements whatever the programme's size.

`digest_facts` (the committee report, the pairs page) reads every pair with its facts, from which
`mentoring.digest.build_digest` computes the digest's figures in Python and names every pair.
The weekly digest counts in SQL instead (`storage.digest_queries.digest_summary`); tests hold
the two to the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.statuses import (
    SENT,
    FollowUpState,
    MatchStatus,
    MeetingStatus,
    PersonStatus,
    Role,
)
from storage.company_ledger import company_days
from storage.mentor_room import TAKEN, mentors_with_room
from storage.models import (
    AuditEntry,
    CheckinAnswer,
    Company,
    ContactPoint,
    FollowUp,
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
from storage.pair_pauses import paused_then

CALL_ACTION = "coordinator_call"


@dataclass
class PairFacts:
    match_id: int
    status: MatchStatus
    youth_id: int
    youth_name: str
    mentor_id: int
    mentor_name: str
    target_group: str
    proposed_at: datetime
    accepted_at: datetime | None
    starts_on: date | None
    ends_on: date | None
    ended_at: datetime | None
    end_reason: str | None
    at_risk_reason: str | None
    unsure_flag_at: datetime | None
    last_meeting_at: datetime | None = None
    paused_at: datetime | None = None  # paused by the coordinator (mentoring/pair_actions.py)
    minutes_by_month: dict[date, int] = field(default_factory=dict)
    calls: list[tuple[datetime, str]] = field(default_factory=list)  # (when, side)
    # worrying check-in answers (a score at or below the programme's line): (when, side)
    worries: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingFacts:
    meeting_id: int
    match_id: int
    starts_at: datetime
    status: MeetingStatus
    proposed_at: datetime


@dataclass(frozen=True)
class PersonFacts:
    person_id: int
    first_name: str
    since: datetime | None = None
    detail: str | None = None  # channel, capacity, kind: what the list needs
    extra: int = 0


@dataclass(frozen=True)
class OutcomeFacts:
    outcome_id: int
    youth_id: int | None
    match_id: int | None
    target_group: str | None
    category: str
    observed_on: date


@dataclass(frozen=True)
class CompanyFacts:
    company_id: int
    name: str
    outside_partnership: bool
    contacted_on: date | None  # first contact (storage.company_ledger); None: not yet
    source: str | None


@dataclass(frozen=True)
class OpeningFacts:
    opening_id: int
    company_id: int
    kind: str
    created_on: date
    filled_by: int | None
    origin: str | None = None
    status: str = "open"


@dataclass
class DigestFacts:
    programme: Programme
    pairs: list[PairFacts]
    meetings: list[MeetingFacts]
    hours_this_week: int
    hours_last_week: int
    signups_this_week: int
    signups_last_week: int
    waiting: list[PersonFacts]
    mentors_free: list[PersonFacts]
    unreachable: list[PersonFacts]
    outcomes: list[OutcomeFacts]
    outcome_flags: dict[str, dict[str, Any]]
    inbox: list[PersonFacts]
    # person id -> messages sent by `unanswered_before` still waiting for an answer
    unanswered: dict[int, int]
    companies: list[CompanyFacts]
    openings: list[OpeningFacts]


def week_sums(column: Any, moment: Any, week_start: datetime, week_end: datetime) -> Any:
    """Two sums in one statement: this week's and last week's."""
    last_start = week_start - timedelta(days=7)
    this = func.sum(case((and_(moment >= week_start, moment < week_end), column), else_=0))
    last = func.sum(case((and_(moment >= last_start, moment < week_start), column), else_=0))
    return this, last


async def digest_facts(
    session: AsyncSession,
    programme_id: int,
    *,
    as_of: datetime,
    week_start: datetime,
    week_end: datetime,
    unanswered_before: datetime,
    tz: ZoneInfo,
    worrying_score: int,
    paused_as_of: datetime | None = None,
) -> DigestFacts:
    """Every pair, meeting and person behind the figures (the committee report), in 17
    statements whose result sets grow with the programme. A message sent by
    `unanswered_before` and still awaiting its reply counts as unanswered (the domain's rule).
    A pair's `paused_at` is the pause running at `paused_as_of` (default `as_of`): the moment
    the digest's rules are applied, which for a past week is before the facts' `as_of`."""
    programme = (await session.scalars(select(Programme).where(Programme.id == programme_id))).one()
    youth_p, mentor_p = aliased(Person), aliased(Person)
    prog_matches = select(Match.id).where(Match.programme_id == programme_id)
    pauses = paused_then(paused_as_of or as_of)

    rows = await session.execute(
        select(
            Match.id,
            Match.status,
            Match.youth_id,
            youth_p.first_name,
            Match.mentor_id,
            mentor_p.first_name,
            Youth.target_group,
            Match.proposed_at,
            Match.accepted_at,
            Match.starts_on,
            Match.ends_on,
            Match.ended_at,
            Match.end_reason,
            Match.at_risk_reason,
            Match.unsure_flag_at,
            # the pause at `as_of` by the audit log, else the one running now
            func.coalesce(pauses.c.paused_at, Match.paused_at),
        )
        .outerjoin(pauses, pauses.c.match_id == Match.id)
        .join(youth_p, youth_p.id == Match.youth_id)
        .join(mentor_p, mentor_p.id == Match.mentor_id)
        .join(Youth, Youth.person_id == Match.youth_id)
        .where(Match.programme_id == programme_id, Match.status != MatchStatus.DECLINED)
        .order_by(Match.id)
    )
    pairs: dict[int, PairFacts] = {}
    for r in rows.all():
        pairs[r[0]] = PairFacts(
            r[0],
            r[1],
            r[2],
            r[3] or "",
            r[4],
            r[5] or "",
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            paused_at=r[15],
        )

    last_meetings = await session.execute(
        select(Meeting.match_id, func.max(Meeting.starts_at))
        .where(
            Meeting.match_id.in_(prog_matches),
            Meeting.status.in_((MeetingStatus.HELD, MeetingStatus.CONFIRMED)),
            Meeting.starts_at <= as_of,
        )
        .group_by(Meeting.match_id)
    )
    for match_id, starts_at in last_meetings.all():
        if match_id in pairs:
            pairs[match_id].last_meeting_at = starts_at

    minutes = await session.execute(
        select(HoursReport.match_id, HoursReport.month, func.sum(HoursReport.minutes))
        .where(HoursReport.match_id.in_(prog_matches), HoursReport.reported_at < week_end)
        .group_by(HoursReport.match_id, HoursReport.month)
    )
    for match_id, month, total in minutes.all():
        if match_id in pairs:
            pairs[match_id].minutes_by_month[month] = int(total)

    calls = await session.execute(
        select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.details).where(
            AuditEntry.action == CALL_ACTION,
            AuditEntry.entity == "match",
            AuditEntry.entity_id.in_(prog_matches),
            AuditEntry.at < week_end,
        )
    )
    for match_id, at, details in calls.all():
        if match_id in pairs:
            pairs[match_id].calls.append((at, str((details or {}).get("side", "both"))))

    worries = await session.execute(
        select(CheckinAnswer.match_id, CheckinAnswer.answered_at, CheckinAnswer.person_id).where(
            CheckinAnswer.match_id.in_(prog_matches),
            CheckinAnswer.score <= worrying_score,
            CheckinAnswer.answered_at <= as_of,
        )
    )
    for match_id, at, person_id in worries.all():
        if match_id in pairs:
            side = "youth" if person_id == pairs[match_id].youth_id else "mentor"
            pairs[match_id].worries.append((at, side))

    last_start = week_start - timedelta(days=7)
    meeting_rows = await session.execute(
        select(Meeting.id, Meeting.match_id, Meeting.starts_at, Meeting.status, Meeting.proposed_at)
        .where(
            Meeting.match_id.in_(prog_matches),
            ((Meeting.status == MeetingStatus.PROPOSED) & (Meeting.starts_at > as_of))
            | (
                (Meeting.status == MeetingStatus.HELD)
                & (Meeting.starts_at >= last_start)
                & (Meeting.starts_at < week_end)
            ),
        )
        .order_by(Meeting.starts_at)
    )
    meetings = [MeetingFacts(*r) for r in meeting_rows.all()]

    this_h, last_h = week_sums(HoursReport.minutes, HoursReport.reported_at, week_start, week_end)
    hours = (
        await session.execute(select(this_h, last_h).where(HoursReport.match_id.in_(prog_matches)))
    ).one()
    this_s, last_s = week_sums(1, Person.created_at, week_start, week_end)
    signups = (
        await session.execute(
            select(this_s, last_s).where(
                Person.programme_id == programme_id, Person.role == Role.YOUTH
            )
        )
    ).one()

    waiting_rows = await session.execute(
        select(Person.id, Person.first_name, Youth.waiting_since, Youth.target_group)
        .join(Youth, Youth.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status == PersonStatus.ACTIVE,
            Youth.waiting_since.is_not(None),
            Youth.waiting_since <= as_of,
        )
        .order_by(Youth.waiting_since)
    )
    waiting = [PersonFacts(i, n or "", s, g) for i, n, s, g in waiting_rows.all()]

    mentor_rows = await session.execute(
        mentors_with_room(
            programme_id, Person.id, Person.first_name, Mentor.capacity, TAKEN
        ).order_by(Person.first_name, Person.id)
    )
    mentors_free = [
        PersonFacts(i, n or "", None, str(cap), int(cap) - int(used))
        for i, n, cap, used in mentor_rows.all()
    ]

    contact_rows = await session.execute(
        select(
            Person.id,
            Person.first_name,
            ContactPoint.state_changed_at,
            ContactPoint.channel,
            ContactPoint.state,
        )
        .join(ContactPoint, ContactPoint.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status != PersonStatus.ERASED,
            ContactPoint.state != "ok",
        )
        .order_by(Person.first_name, Person.id, ContactPoint.channel)
    )
    unreachable = [
        PersonFacts(i, n or "", at, f"{ch}:{st}") for i, n, at, ch, st in contact_rows.all()
    ]

    outcome_rows = await session.execute(
        select(
            Outcome.id,
            Outcome.youth_id,
            Outcome.match_id,
            Outcome.target_group,
            Outcome.category,
            Outcome.observed_on,
        )
        .where(
            Outcome.programme_id == programme_id,
            Outcome.created_at < week_end,
            Outcome.at_closure.is_(False),  # a closure's status never stands in for the survey
        )
        .order_by(Outcome.observed_on, Outcome.id)
    )
    outcomes = [OutcomeFacts(*r) for r in outcome_rows.all()]
    flags = await session.execute(select(Lookup.code, Lookup.attrs).where(Lookup.kind == "outcome"))
    outcome_flags = {code: dict(attrs or {}) for code, attrs in flags.all()}

    inbox_rows = await session.execute(
        select(InboxItem.id, Person.first_name, InboxItem.created_at, InboxItem.kind)
        .outerjoin(Person, Person.id == InboxItem.person_id)
        .where(
            InboxItem.programme_id == programme_id,
            InboxItem.handled_at.is_(None),
            InboxItem.created_at < week_end,
        )
        .order_by(InboxItem.created_at)
    )
    inbox = [PersonFacts(i, n or "", at, kind) for i, n, at, kind in inbox_rows.all()]

    unanswered_rows = await session.execute(
        select(OutboxMessage.person_id, func.count())
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(
            Person.programme_id == programme_id,
            OutboxMessage.awaiting_reply.is_(True),
            OutboxMessage.status.in_(SENT),
            OutboxMessage.sent_at <= unanswered_before,
        )
        .group_by(OutboxMessage.person_id)
    )
    unanswered = {int(p or 0): int(n) for p, n in unanswered_rows.all()}

    names = await session.execute(
        select(Company.id, Company.name, Company.source)
        .where(Company.programme_id == programme_id)
        .order_by(Company.name, Company.id)
    )
    days = await company_days(session, programme_id, tz)
    companies = [
        CompanyFacts(i, name, days[i].outside, days[i].first, src) for i, name, src in names.all()
    ]
    opening_rows = await session.execute(
        select(
            JobOpening.id,
            JobOpening.company_id,
            JobOpening.kind,
            JobOpening.created_on,
            JobOpening.filled_by,
            JobOpening.origin,
            JobOpening.status,
        )
        .where(JobOpening.programme_id == programme_id)
        .order_by(JobOpening.created_on, JobOpening.id)
    )
    openings = [OpeningFacts(*r) for r in opening_rows.all()]

    return DigestFacts(
        programme=programme,
        pairs=list(pairs.values()),
        meetings=meetings,
        hours_this_week=int(hours[0] or 0),
        hours_last_week=int(hours[1] or 0),
        signups_this_week=int(signups[0] or 0),
        signups_last_week=int(signups[1] or 0),
        waiting=waiting,
        mentors_free=mentors_free,
        unreachable=unreachable,
        outcomes=outcomes,
        outcome_flags=outcome_flags,
        inbox=inbox,
        unanswered=unanswered,
        companies=companies,
        openings=openings,
    )


async def followups_due(session: AsyncSession, now: datetime) -> int:
    """Follow-ups pending and due by `now`: the sweep's backlog, for /metrics."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(FollowUp.state == FollowUpState.PENDING, FollowUp.due_at <= now)
        )
        or 0
    )
