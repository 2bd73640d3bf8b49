"""News told in the chat: "hun har fået job", "jeg er kommet ind på hf". The youth, or their
mentor, in a running pair or one whose +3-month outcome window has not yet closed, tells us; it is
kept as an outcome observation with source "survey" (`outcomes.register_outcome` decides whether
it stands in for the +3-month survey) and put in the inbox for the coordinator to confirm."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, MatchStatus
from mentoring import inbox
from mentoring.outcomes import STATUSES, register_outcome
from storage.models import Match, Person, Programme
from storage.targets import outcome_window, pair_end


async def pair_for_news(session: AsyncSession, person: Person, today: date) -> Match | None:
    """The sender's newest pair, as youth or mentor, that is running or whose outcome window is
    still open; None when their news is not about a youth of ours."""
    programme = await session.get(Programme, person.programme_id)
    pairs = await session.scalars(
        select(Match)
        .where(
            (Match.youth_id == person.id) | (Match.mentor_id == person.id),
            Match.status.in_(MATCHED),
        )
        .order_by(Match.proposed_at.desc(), Match.id.desc())
    )
    for match in pairs:
        if match.status == MatchStatus.ACTIVE:
            return match
        ended = match.ended_at.date() if match.ended_at else None
        end = pair_end(match.status, match.ends_on, ended)
        if end is not None and programme is not None and today <= outcome_window(end, programme)[1]:
            return match
    return None


async def tell(
    session: AsyncSession, sender: Person, status: str, said: str, *, now: datetime, today: date
) -> bool:
    """Keep the news as an observation and ask the coordinator to confirm it; False when the
    sender has no pair it can be about."""
    if status not in STATUSES:
        raise ValueError(status)
    match = await pair_for_news(session, sender, today)
    if match is None:
        return False
    await register_outcome(session, match.youth_id, status, today, source="survey")
    youth = await session.get(Person, match.youth_id)
    assert youth is not None  # a pair's youth is a person (foreign key)
    said_by = sender.first_name or sender.role
    await inbox.put(
        session, youth, inbox.Kind.OUTCOME_SAID, now=now, body=f"{said_by}: {said}", match=match
    )
    return True
