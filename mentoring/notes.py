"""The coordinator's notes on a person or a pair: who wrote what, and when.

Notes are personal data about the people they concern: the access copy includes them and an
erasure deletes them (mentoring/privacy.py). The text is CPR-checked where it is typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from storage.models import Coordinator, Note

MAX_LENGTH = 2000


@dataclass(frozen=True)
class NoteView:
    id: int
    body: str
    author: str | None  # the coordinator's name (or e-mail); None once the login is gone
    created_at: datetime
    match_id: int | None


async def add_note(
    session: AsyncSession,
    body: str,
    *,
    author_id: int | None,
    now: datetime,
    person_id: int | None = None,
    match_id: int | None = None,
) -> Note:
    text = body.strip()
    if not text:
        raise DomainError("dashboard_field_missing", field="note")
    if len(text) > MAX_LENGTH:
        raise DomainError("dashboard_field_invalid", field="note")
    note = Note(
        person_id=person_id, match_id=match_id, author_id=author_id, body=text, created_at=now
    )
    session.add(note)
    await session.flush()
    return note


async def notes_about(
    session: AsyncSession, *, person_id: int | None = None, match_ids: tuple[int, ...] = ()
) -> list[NoteView]:
    """Notes on the person and on the given pairs, newest first."""
    rows = await session.execute(
        select(Note, Coordinator.name, Coordinator.email)
        .outerjoin(Coordinator, Coordinator.id == Note.author_id)
        .where(
            or_(
                Note.person_id == person_id if person_id is not None else false(),
                Note.match_id.in_(match_ids),
            )
        )
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    return [
        NoteView(n.id, n.body, name or email, n.created_at, n.match_id)
        for n, name, email in rows.all()
    ]
