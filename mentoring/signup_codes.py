"""Sign-up codes: an outreach source's code, typed as the first text or carried in the Telegram
deep link (`/start <code>`), starts the sign-up for the source's audience and records where the
person came from (`Person.source_id`). An event gets its own code for mentors when it is
created, so the mentors it recruited can be counted.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Role
from storage.models import Event, OutreachSource, Person

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
CODE_LENGTH = 6


async def source_for(session: AsyncSession, said: str | None) -> OutreachSource | None:
    """The source whose code is the whole text (any case), if any."""
    text = (said or "").strip()
    if not text or len(text) > 32 or " " in text:
        return None
    return await session.scalar(
        select(OutreachSource).where(OutreachSource.code.in_({text, text.upper()}))
    )


def came_through(person: Person, source: OutreachSource) -> None:
    """Record that the person signed up with this source's code (the first code counts)."""
    if person.source_id is None:
        person.source_id = source.id


async def new_code(session: AsyncSession) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        taken = await session.scalar(select(OutreachSource.id).where(OutreachSource.code == code))
        if taken is None:
            return code


async def give_event_a_code(
    session: AsyncSession, event: Event, created_by: int | None
) -> OutreachSource:
    """The event's sign-up code for mentors (an outreach source of kind "event")."""
    source = OutreachSource(
        programme_id=event.programme_id,
        kind="event",
        name=event.title[:120],
        code=await new_code(session),
        audience="mentor",
        created_by=created_by,
    )
    session.add(source)
    await session.flush()
    event.source_id = source.id
    return source


async def recruited_by(session: AsyncSession, event: Event) -> list[Person]:
    """Mentors who signed up with the event's code, in the order they came."""
    if event.source_id is None:
        return []
    rows = await session.scalars(
        select(Person)
        .where(Person.source_id == event.source_id, Person.role == Role.MENTOR)
        .order_by(Person.created_at, Person.id)
    )
    return list(rows)


async def code_of(session: AsyncSession, event: Event) -> str | None:
    if event.source_id is None:
        return None
    source = await session.get(OutreachSource, event.source_id)
    return source.code if source else None
