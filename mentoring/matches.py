"""Matches: proposed by the coordinator, accepted by the mentor, closed with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.statuses import OPEN, Approval, MatchStatus, PersonStatus
from mentoring import consent, followups
from mentoring.errors import DomainError, NotFound
from mentoring.lookups import require_code
from mentoring.rules import for_programme
from storage.models import Company, Match, Mentor, Person, Programme, Youth


async def open_match_count(session: AsyncSession, mentor_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Match)
            .where(Match.mentor_id == mentor_id, Match.status.in_(OPEN))
        )
    ) or 0


async def create_match(
    session: AsyncSession,
    youth_id: int,
    mentor_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    coordinator_id: int | None = None,
) -> Match:
    """Propose a pair: the mentor must be approved with free capacity; one open match per youth."""
    youth = await session.get(Youth, youth_id)
    mentor = await session.get(Mentor, mentor_id)
    if youth is None:
        raise NotFound("youth", youth_id)
    if mentor is None:
        raise NotFound("mentor", mentor_id)
    people = {
        p.id: p
        for p in await session.scalars(select(Person).where(Person.id.in_([youth_id, mentor_id])))
    }
    if any(people[i].status != PersonStatus.ACTIVE for i in (youth_id, mentor_id)):
        raise DomainError("person_not_active")
    if mentor.approval != Approval.APPROVED:
        raise DomainError("mentor_not_approved")
    await consent.require_share_consent(session, youth_id)
    if await open_match_count(session, mentor_id) >= mentor.capacity:
        raise DomainError("mentor_full", capacity=mentor.capacity)
    taken = await session.scalar(
        select(Match.id).where(Match.youth_id == youth_id, Match.status.in_(OPEN))
    )
    if taken is not None:
        raise DomainError("youth_already_matched")
    match = Match(
        programme_id=people[youth_id].programme_id,
        youth_id=youth_id,
        mentor_id=mentor_id,
        status=MatchStatus.PROPOSED,
        proposed_at=now,
        proposed_by=coordinator_id,
    )
    session.add(match)
    await session.flush()
    await followups.on_match_created(session, match, now, tz=tz)
    return match


async def get_match(session: AsyncSession, match_id: int) -> Match:
    match = await session.get(Match, match_id)
    if match is None:
        raise NotFound("match", match_id)
    return match


async def accept_match(
    session: AsyncSession, match_id: int, *, now: datetime, today: date, tz: ZoneInfo
) -> Match:
    """The mentor says yes: the 3 months start today (end = start + the programme's months)."""
    match = await get_match(session, match_id)
    if match.status != MatchStatus.PROPOSED:
        raise DomainError("match_not_proposed")
    youth = await session.get(Youth, match.youth_id)
    if youth is not None and youth.guardian_objected_at is not None:
        raise DomainError("pair_on_hold")  # the offer waits for the coordinator (pair_hold.py)
    programme = await session.get(Programme, match.programme_id)
    match.status, match.accepted_at = MatchStatus.ACTIVE, now
    match.starts_on, match.ends_on = today, for_programme(programme).pair_ends(today)
    if youth is not None:
        youth.waiting_since = None
    await followups.on_match_accepted(session, match, now, tz=tz)
    return match


@dataclass(frozen=True)
class Introduction:
    """What each side of an accepted pair is told about the other (no surname, no contact)."""

    youth_name: str | None
    company: str | None
    role_title: str | None


async def introduction(session: AsyncSession, match: Match) -> Introduction:
    """The youth's first name for the mentor; the mentor's company and role for the youth."""
    mentor = await session.get(Mentor, match.mentor_id)
    youth = await session.get(Person, match.youth_id)
    company = (
        await session.get(Company, mentor.company_id) if mentor and mentor.company_id else None
    )
    return Introduction(
        youth_name=youth.first_name if youth else "",
        company=company.name if company else None,
        role_title=mentor.role_title if mentor else None,
    )


async def decline_match(
    session: AsyncSession, match_id: int, reason: str | None, *, now: datetime, tz: ZoneInfo
) -> Match:
    """The mentor says no; the youth goes back to waiting, keeping their place in the queue."""
    match = await get_match(session, match_id)
    if match.status != MatchStatus.PROPOSED:
        raise DomainError("match_not_proposed")
    match.status, match.decline_reason, match.ended_at = MatchStatus.DECLINED, (reason or None), now
    await followups.on_match_closed(session, match, now, tz=tz)
    return match


async def close_match(
    session: AsyncSession,
    match_id: int,
    reason: str,
    *,
    now: datetime,
    today: date,
    tz: ZoneInfo,
) -> Match:
    """Close a pair: 'completed' when it ran its course, otherwise ended early with the reason."""
    await require_code(session, "end_reason", reason)
    match = await get_match(session, match_id)
    if match.status not in OPEN:
        raise DomainError("match_not_open")
    full_term = match.ends_on is not None and today >= match.ends_on
    if reason == "completed" and not full_term:
        # A pair runs its course by its end date; before it, an end is an early end with its
        # reason (a job or an education is the good kind, README.md "The seven targets").
        raise DomainError("completed_before_end", ends_on=match.ends_on)
    match.status = MatchStatus.COMPLETED if full_term else MatchStatus.ENDED_EARLY
    match.ended_at, match.end_reason = now, reason
    if reason == "rematch":
        youth = await session.get(Youth, match.youth_id)
        if youth is not None:
            youth.waiting_since = now
    await followups.on_match_closed(session, match, now, tz=tz)
    return match


async def extend_match(
    session: AsyncSession,
    match_id: int,
    months: int = 1,
    *,
    tz: ZoneInfo,
    until: date | None = None,
) -> Match:
    """A longer pair: `months` more, or `until` a given (later) end date."""
    match = await get_match(session, match_id)
    if match.status != MatchStatus.ACTIVE or match.ends_on is None:
        raise DomainError("match_not_open")
    if match.original_ends_on is None:
        match.original_ends_on = match.ends_on  # the term the 3-month target measures
    match.ends_on = until if until is not None else add_months(match.ends_on, months)
    await followups.on_match_extended(session, match, tz=tz)
    return match
