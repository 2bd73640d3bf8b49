"""Saying no to a mentor after screening, politely and with the coordinator's reason kept.

The reason is for the coordinator and the audit log; the mentor gets a kind, general message
(`mentor_rejected`), never the reason itself (it may be a criminal record check).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, Approval
from mentoring.errors import DomainError, NotFound
from mentoring.outbound import say
from messaging.render import Renderer
from storage.models import Match, Mentor

REASON_MAX = 300


async def reject_mentor(
    session: AsyncSession,
    renderer: Renderer,
    mentor_id: int,
    reason: str,
    *,
    coordinator: str | None,
    now: datetime,
) -> Mentor:
    """Not approved: the mentor is told (where they can be reached) and cannot be matched. A
    mentor with an open pair is refused here: close the pair first."""
    text = " ".join(reason.split())
    if not text:
        raise DomainError("dashboard_field_missing", field="reason")
    if len(text) > REASON_MAX:
        raise DomainError("dashboard_field_invalid", field="reason")
    mentor = await session.get(Mentor, mentor_id)
    if mentor is None:
        raise NotFound("mentor", mentor_id)
    busy = await session.scalar(
        select(func.count())
        .select_from(Match)
        .where(Match.mentor_id == mentor_id, Match.status.in_(OPEN))
    )
    if busy:
        raise DomainError("mentor_has_open_pairs")
    if mentor.approval != Approval.REJECTED:
        mentor.approval, mentor.approved_at = Approval.REJECTED, None
        await say(session, renderer, mentor_id, "mentor_rejected", {"coordinator": coordinator})
    return mentor
