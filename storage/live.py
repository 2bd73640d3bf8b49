"""Today's figures for the dashboard (overview, pairs, youths): the state now, where the digest
shows its last complete week. Each count says what it counts, over what and as of when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED
from storage.models import InboxItem, Match


async def inbox_open(session: AsyncSession, programme_id: int) -> int:
    """Inbox items of the programme not marked handled, now."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(InboxItem.programme_id == programme_id, InboxItem.handled_at.is_(None))
        )
        or 0
    )


async def matched_youths(
    session: AsyncSession, programme_id: int, period: tuple[datetime, datetime], as_of: datetime
) -> int:
    """Youths whose first accepted match (active, completed or ended early; accepted by
    `as_of`) was accepted inside `period` [start, end): the `matched` target's numerator."""
    first = (
        select(func.min(Match.accepted_at).label("first"))
        .where(
            Match.programme_id == programme_id,
            Match.status.in_(MATCHED),
            Match.accepted_at <= as_of,
        )
        .group_by(Match.youth_id)
        .subquery()
    )
    return int(
        await session.scalar(
            select(func.count()).where(first.c.first >= period[0], first.c.first < period[1])
        )
        or 0
    )
