"""A person's pair, read: their open pair, their running pair, and who is on the other side.

A leaf of the domain (it imports no other mentoring module), so that matches, follow-ups, the
flows and the inbox can all ask for a pair without an import cycle (ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, MatchStatus
from storage.models import Match, Person


async def match_by_id(session: AsyncSession, match_id: int) -> Match | None:
    """A pair by its id, None when there is none (`matches.get_match` raises instead)."""
    return await session.get(Match, match_id)


async def open_match_for(session: AsyncSession, person_id: int) -> Match | None:
    """The youth's or mentor's most recent open match (a mentor with several: the newest)."""
    return await session.scalar(
        select(Match)
        .where(
            (Match.youth_id == person_id) | (Match.mentor_id == person_id), Match.status.in_(OPEN)
        )
        .order_by(Match.proposed_at.desc(), Match.id.desc())
        .limit(1)
    )


async def active_match(session: AsyncSession, person_id: int) -> Match | None:
    """The youth's or mentor's running pair (a mentor with several: the newest)."""
    return await session.scalar(
        select(Match)
        .where(
            (Match.youth_id == person_id) | (Match.mentor_id == person_id),
            Match.status == MatchStatus.ACTIVE,
        )
        .order_by(Match.proposed_at.desc(), Match.id.desc())
        .limit(1)
    )


async def partner_name(session: AsyncSession, match: Match, person_id: int) -> str:
    """The first name of the other side of the pair, as the messages greet them ("" if none)."""
    other = await session.get(Person, match.other(person_id))
    return (other.first_name if other else None) or ""
