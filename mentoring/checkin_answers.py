"""A person's answer to a follow-up question (check-in or closure): one row per question asked.

The row is made at the score and filled in by the steps after it (comment, extension wish), so
the flow keeps its id in the conversation's data (`bot/flows/feedback.py`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckinAnswer

# The row the feedback flow fills in: bot/ names its type from here (ARCHITECTURE.md, "Layers").
__all__ = ["CheckinAnswer", "answer_row"]


async def answer_row(
    session: AsyncSession,
    answer_id: int | None,
    *,
    match_id: int,
    person_id: int,
    kind: str,
    now: datetime,
) -> CheckinAnswer:
    """The answer row with this id, or a new one (flushed, so it has its id) when there is none."""
    if answer_id is not None:
        row = await session.get(CheckinAnswer, answer_id)
        if row is not None:
            return row
    row = CheckinAnswer(match_id=match_id, person_id=person_id, kind=kind, answered_at=now)
    session.add(row)
    await session.flush()
    return row
