"""Mentor invitations the coordinator hands out: a random code a mentor signs up with on
Telegram (`/start <code>`), carrying the screening checks already done (see `Invitation`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invitation

INVITATION_DAYS = 30  # an unused code expires after this many days


async def recent_invitations(
    session: AsyncSession, programme_id: int, *, limit: int = 10
) -> Sequence[Invitation]:
    """The programme's latest `limit` invitations, newest first."""
    return (
        await session.scalars(
            select(Invitation)
            .where(Invitation.programme_id == programme_id)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
            .limit(limit)
        )
    ).all()


async def create_invitation(
    session: AsyncSession,
    programme_id: int,
    coordinator_id: int | None,
    checks: list[str],
    checked_on: date,
    *,
    now: datetime,
) -> Invitation:
    """A new code valid for `INVITATION_DAYS`; the checks' date is kept only with checks."""
    invitation = Invitation(
        programme_id=programme_id,
        code=secrets.token_urlsafe(12),
        created_by=coordinator_id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
        checks=checks,
        checked_on=checked_on if checks else None,
    )
    session.add(invitation)
    await session.flush()
    return invitation
