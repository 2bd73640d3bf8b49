"""What the committee report adds to the digest's facts: end reasons and average scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import ENDED
from storage.models import CheckinAnswer, Match


async def end_reasons(session: AsyncSession, programme_id: int, as_of: datetime) -> dict[str, int]:
    """Pairs closed by `as_of`, counted by end reason (no reason: "")."""
    rows = await session.execute(
        select(Match.end_reason, func.count())
        .where(
            Match.programme_id == programme_id,
            Match.status.in_(ENDED),
            Match.ended_at <= as_of,
        )
        .group_by(Match.end_reason)
    )
    return {reason or "": int(n) for reason, n in rows}


async def average_scores(
    session: AsyncSession, programme_id: int, as_of: datetime
) -> dict[str, tuple[float | None, int]]:
    """Check-in and closure answers given by `as_of`: kind -> (average score 1-5, answers)."""
    rows = await session.execute(
        select(CheckinAnswer.kind, func.avg(CheckinAnswer.score), func.count(CheckinAnswer.score))
        .join(Match, Match.id == CheckinAnswer.match_id)
        .where(
            Match.programme_id == programme_id,
            CheckinAnswer.answered_at <= as_of,
            CheckinAnswer.score.is_not(None),
        )
        .group_by(CheckinAnswer.kind)
    )
    return {kind: (float(avg) if avg is not None else None, int(n)) for kind, avg, n in rows}
