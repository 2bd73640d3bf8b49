"""A person's pair, read: which statuses count as open, and their open pair.

A leaf of the domain (it imports no other mentoring module), so that matches, follow-ups and the
inbox can all ask for a pair without an import cycle (ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Match

OPEN = ("proposed", "active")


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
