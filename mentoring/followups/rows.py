"""Follow-up rows: created or moved by key, dropped while pending, listed when due.

The key is unique, so planning the same follow-up twice moves it, and a row that is done or
dropped stays as it is (nothing is sent twice).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import FollowUpState
from mentoring.quiet_hours import at_local, next_allowed
from mentoring.rules import RULES
from storage.models import FollowUp


async def schedule(
    session: AsyncSession,
    key: str,
    kind: str,
    due_at: datetime,
    *,
    programme_id: int,
    match_id: int | None = None,
    meeting_id: int | None = None,
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> FollowUp:
    """Create the row for `key`, or move it while still pending (or held: it keeps its place for
    when the pair's hold is lifted); done or dropped rows stay."""
    row = await session.scalar(select(FollowUp).where(FollowUp.key == key))
    if row is None:
        row = FollowUp(
            programme_id=programme_id,
            key=key,
            kind=kind,
            due_at=due_at,
            match_id=match_id,
            meeting_id=meeting_id,
            person_id=person_id,
            state=FollowUpState.PENDING,
            payload=payload or {},
        )
        session.add(row)
    elif row.state in (FollowUpState.PENDING, FollowUpState.HELD):
        row.due_at = due_at
        if payload is not None:
            row.payload = payload
    return row


async def drop_pending(session: AsyncSession, now: datetime, *where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.state == FollowUpState.PENDING, *where)
        .values(state=FollowUpState.DROPPED, done_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def hold(session: AsyncSession, match_id: int) -> int:
    """Every pending follow-up of the pair is held (not acted on) until `release`."""
    return await _move_state(session, match_id, FollowUpState.PENDING, FollowUpState.HELD)


async def release(session: AsyncSession, match_id: int) -> int:
    """The pair's held follow-ups are pending again; the sweep decides, when each is due, whether
    it still makes sense (a late one is sent if still meaningful, else dropped)."""
    return await _move_state(session, match_id, FollowUpState.HELD, FollowUpState.PENDING)


async def _move_state(
    session: AsyncSession, match_id: int, old: FollowUpState, new: FollowUpState
) -> int:
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.match_id == match_id, FollowUp.state == old)
        .values(state=new)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def on_day(day: date, tz: ZoneInfo) -> datetime:
    """A date-based follow-up: 10:00 local on that day, or the next allowed time."""
    return next_allowed(at_local(day, RULES.send_at, tz), tz)


async def due_within(
    session: AsyncSession, now: datetime, until: datetime, limit: int = 500
) -> list[FollowUp]:
    """Pending follow-ups due before `until` (overdue ones first), for listings."""
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.state == FollowUpState.PENDING, FollowUp.due_at <= until)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    return list(rows)
