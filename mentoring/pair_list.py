"""The dashboard's pairs list, one page at a time, narrowed by status, target group, mentor and
area; each row with its facts as of now (last meeting, this month's hours, the digest's
at-risk reasons).

Only the page's rows leave the database: one statement counts the pairs the filters let through,
one fetches the page with its facts as per-row look-ups, one the pairs past their end date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.clock import month_start
from core.statuses import OPEN, SENT, MatchStatus, MeetingStatus
from mentoring.digest import risk_reasons
from mentoring.digest_model import Reason
from mentoring.rules import RULES
from storage.digest_sql import PairRow, first_name
from storage.models import HoursReport, Match, Meeting, Mentor, OutboxMessage, Person, Youth

# The list's order: the pairs a coordinator works on first.
ORDER = (
    MatchStatus.ACTIVE,
    MatchStatus.PROPOSED,
    MatchStatus.COMPLETED,
    MatchStatus.ENDED_EARLY,
    MatchStatus.DECLINED,
)
PAST_END_SHOWN = 20  # the "past their end date" list names at most this many; it counts all


@dataclass(frozen=True)
class PairLine:
    """One pair on the list, with its facts as of now."""

    match_id: int
    youth_id: int
    youth_name: str
    mentor_id: int
    mentor_name: str
    status: MatchStatus
    starts_on: date | None
    ends_on: date | None
    end_reason: str | None
    paused: bool
    last_meeting_at: datetime | None  # the last held or confirmed meeting up to now
    minutes: int  # this month's reported minutes (calendar month of today), reported until now
    risks: tuple[Reason, ...]  # the digest's at-risk reasons now (active pairs only)

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class PastEnd:
    match_id: int
    youth_name: str
    mentor_name: str
    on: date


def _where(
    programme_id: int,
    status: str | None,
    target_group: str | None,
    mentor: str | None,
    area: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Match.programme_id == programme_id]
    if status:
        conditions.append(Match.status == MatchStatus(status))
    youth: list[ColumnElement[bool]] = []
    if target_group:
        youth.append(Youth.target_group == target_group)
    if area:  # a town ("Aarhus N") or the start of a postcode ("82"), the youth's
        youth.append(or_(func.lower(Youth.area) == area.lower(), Youth.postcode.startswith(area)))
    if youth:
        conditions.append(
            select(Youth.person_id).where(Youth.person_id == Match.youth_id, *youth).exists()
        )
    if mentor:  # the mentor's id, or the start of their first or last name
        if mentor.isdigit():
            conditions.append(Match.mentor_id == int(mentor))
        else:
            start = mentor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            mentor_person, mentor_row = aliased(Person), aliased(Mentor)
            conditions.append(
                select(mentor_person.id)
                .outerjoin(mentor_row, mentor_row.person_id == mentor_person.id)
                .where(
                    mentor_person.id == Match.mentor_id,
                    or_(
                        func.lower(mentor_person.first_name).like(f"{start}%", escape="\\"),
                        func.lower(mentor_row.last_name).like(f"{start}%", escape="\\"),
                    ),
                )
                .exists()
            )
    return conditions


async def pair_page(
    session: AsyncSession,
    programme_id: int,
    *,
    now: datetime,
    today: date,
    tz: ZoneInfo,
    monthly_hours: int,
    status: str | None = None,
    target_group: str | None = None,
    mentor: str | None = None,
    area: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[PairLine], int]:
    """One page of the programme's pairs the filters let through (active first, then proposed,
    completed, ended early and declined; within a status by id), and how many they are in all."""
    where = _where(programme_id, status, target_group, mentor, area)
    total = await session.scalar(select(func.count()).select_from(Match).where(*where))
    rank = case({s: k for k, s in enumerate(ORDER)}, value=Match.status, else_=len(ORDER))
    page = (
        select(Match.id)
        .where(*where)
        .order_by(rank, Match.id)
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    month = month_start(today)
    last_meeting = (
        select(func.max(Meeting.starts_at))
        .where(
            Meeting.match_id == Match.id,
            Meeting.status.in_((MeetingStatus.HELD, MeetingStatus.CONFIRMED)),
            Meeting.starts_at <= now,
        )
        .scalar_subquery()
    )
    minutes = (
        select(func.coalesce(func.sum(HoursReport.minutes), 0))
        .where(
            HoursReport.match_id == Match.id,
            HoursReport.month == month,
            HoursReport.reported_at <= now,
        )
        .scalar_subquery()
    )
    unanswered = (  # the youth's and the mentor's messages waiting too long for an answer
        select(func.count())
        .where(
            OutboxMessage.person_id.in_((Match.youth_id, Match.mentor_id)),
            OutboxMessage.awaiting_reply.is_(True),
            OutboxMessage.status.in_(SENT),
            OutboxMessage.sent_at <= now - RULES.unanswered_after,
        )
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                Match,
                first_name(Match.youth_id).label("youth_name"),
                first_name(Match.mentor_id).label("mentor_name"),
                last_meeting.label("last_meeting_at"),
                minutes.label("minutes"),
                unanswered.label("unanswered"),
            )
            .where(Match.id.in_(select(page.c.id)))
            .order_by(rank, Match.id)
        )
    ).all()
    return [_line(r, monthly_hours, today, tz, now) for r in rows], int(total or 0)


def _line(r: Any, monthly_hours: int, today: date, tz: ZoneInfo, now: datetime) -> PairLine:
    match: Match = r[0]
    risks: tuple[Reason, ...] = ()
    if (
        match.status == MatchStatus.ACTIVE
        and match.starts_on is not None
        and match.starts_on <= today
    ):
        facts = PairRow(
            match.id, match.youth_id, r.youth_name or "", match.mentor_id, r.mentor_name or "",
            starts_on=match.starts_on, unsure_flag_at=match.unsure_flag_at,
            at_risk_reason=match.at_risk_reason, last_meeting_at=r.last_meeting_at,
            minutes=int(r.minutes or 0), unanswered=int(r.unanswered or 0),
        )  # fmt: skip
        risks = tuple(risk_reasons(facts, monthly_hours, today, tz, now))
    return PairLine(
        match_id=match.id,
        youth_id=match.youth_id,
        youth_name=r.youth_name or "",
        mentor_id=match.mentor_id,
        mentor_name=r.mentor_name or "",
        status=match.status,
        starts_on=match.starts_on,
        ends_on=match.ends_on,
        end_reason=match.end_reason,
        paused=match.paused_at is not None,
        last_meeting_at=r.last_meeting_at,
        minutes=int(r.minutes or 0),
        risks=risks,
    )


async def past_end(
    session: AsyncSession, programme_id: int, today: date
) -> tuple[Sequence[PastEnd], int]:
    """Active pairs past their end date, not closed (the coordinator decides on each): the
    first PAST_END_SHOWN by end date, and how many there are in all."""
    where = (
        Match.programme_id == programme_id,
        Match.status == MatchStatus.ACTIVE,
        Match.ends_on < today,
    )
    total = await session.scalar(select(func.count()).select_from(Match).where(*where))
    rows = await session.execute(
        select(Match.id, first_name(Match.youth_id), first_name(Match.mentor_id), Match.ends_on)
        .where(*where)
        .order_by(Match.ends_on, Match.id)
        .limit(PAST_END_SHOWN)
    )
    return [PastEnd(i, y or "", m or "", on) for i, y, m, on in rows.all()], int(total or 0)
