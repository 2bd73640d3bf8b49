"""Follow-up rows: created or moved by key, dropped while pending, listed when due.

The key is unique, so planning the same follow-up twice moves it, and a row that is done or
dropped stays as it is (nothing is sent twice). A row planned for a pair that is on hold (paused
by the coordinator, mentoring/pair_actions.py, or held while a guardian objects,
mentoring/pair_hold.py) is held like the pair's other rows until the pair goes on: a meeting
reported, a meeting moved or a survey planned while paused sends nothing meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, FollowUpState
from mentoring.quiet_hours import at_local, next_allowed
from mentoring.rules import RULES
from storage.models import FollowUp, Match, Youth


async def pair_on_hold(session: AsyncSession, match_id: int | None) -> bool:
    """Whether the pair's follow-ups wait: an open pair paused by the coordinator, or whose
    youth's parent or guardian objected (a closed pair is never on hold)."""
    match = await session.get(Match, match_id) if match_id is not None else None
    if match is None or match.status not in OPEN:
        return False
    if match.paused_at is not None:
        return True
    youth = await session.get(Youth, match.youth_id)
    return youth is not None and youth.guardian_objected_at is not None


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
    when the pair's hold is lifted); done or dropped rows stay. While the pair is on hold the
    row is held (`pair_on_hold`)."""
    row = await session.scalar(select(FollowUp).where(FollowUp.key == key))
    held = await pair_on_hold(session, match_id)
    if row is None:
        row = FollowUp(
            programme_id=programme_id,
            key=key,
            kind=kind,
            due_at=due_at,
            match_id=match_id,
            meeting_id=meeting_id,
            person_id=person_id,
            state=FollowUpState.HELD if held else FollowUpState.PENDING,
            payload=payload or {},
        )
        session.add(row)
    elif row.state in (FollowUpState.PENDING, FollowUpState.HELD):
        if held:
            row.state = FollowUpState.HELD
        row.due_at = due_at
        if payload is not None:
            row.payload = payload
    return row


async def drop_pending(session: AsyncSession, now: datetime, *where: ColumnElement[bool]) -> int:
    """Drop the rows no longer wanted, pending or held (a meeting cancelled while its pair is
    paused takes its held reminders with it)."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.state.in_((FollowUpState.PENDING, FollowUpState.HELD)), *where)
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
