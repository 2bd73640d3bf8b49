"""The coordinator's calls to a pair (the mentoring standard: both sides twice in the first
month, monthly after, and after a worrying check-in answer).

A call is an audit row (`action="coordinator_call"`, `entity="match"`, `details={"side": ...}`),
which the digest's call list reads (mentoring/digest.py, storage/digest_lists.py): logging one
takes the pair off the list, for that side, at once. A note typed with the call is kept as a
note on the pair (mentoring/notes.py), never in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from mentoring.matches import get_match
from mentoring.notes import add_note
from storage.models import AuditEntry, Match
from storage.queries import CALL_ACTION

SIDES = ("youth", "mentor", "both")


@dataclass(frozen=True)
class Call:
    at: datetime
    side: str
    by: str  # the audit actor, e.g. coordinator:3


async def log_call(
    session: AsyncSession,
    match_id: int,
    side: str,
    *,
    actor: str,
    author_id: int | None,
    now: datetime,
    note: str = "",
) -> Match:
    """Record that the coordinator called the youth, the mentor or both of a pair now."""
    if side not in SIDES:
        raise DomainError("dashboard_field_invalid", field="side")
    match = await get_match(session, match_id)
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action=CALL_ACTION,
            entity="match",
            entity_id=match.id,
            details={"side": side},
        )
    )
    if note.strip():
        await add_note(session, note, author_id=author_id, now=now, match_id=match.id)
    return match


async def calls_to(session: AsyncSession, match_id: int) -> list[Call]:
    """The pair's logged calls, newest first."""
    rows = await session.execute(
        select(AuditEntry.at, AuditEntry.details, AuditEntry.actor)
        .where(
            AuditEntry.entity == "match",
            AuditEntry.entity_id == match_id,
            AuditEntry.action == CALL_ACTION,
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    return [Call(at, str((d or {}).get("side", "both")), actor) for at, d, actor in rows.all()]
