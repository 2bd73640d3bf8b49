"""What each event of a period came to, for the report's event sheets (one per kind).

Per event, as of the moment the report is made: invited = guests an invitation was sent to;
coming = guests whose latest answer is yes; participants = guests ticked as present; companies =
distinct companies of the guests present; openings = job openings registered as produced by the
event (`job_openings.event_id`), whatever their status; mentors = people who signed up as
mentors with the event's sign-up code (`events.source_id` = `people.source_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Role, Rsvp
from storage.models import Event, EventGuest, JobOpening, Person


@dataclass(frozen=True)
class EventFigures:
    event_id: int
    kind: str
    title: str
    starts_at: datetime
    place: str | None
    invited: int
    coming: int
    participants: int
    companies: int
    openings: int
    mentors: int


async def event_figures(
    session: AsyncSession, programme_id: int, start: datetime, end: datetime
) -> list[EventFigures]:
    """Events starting in [start, end), not cancelled, by start."""
    came = EventGuest.attended.is_(True)
    guests = (
        select(
            EventGuest.event_id.label("event_id"),
            func.count(case((EventGuest.invited_at.is_not(None), 1))).label("invited"),
            func.count(case((EventGuest.rsvp == Rsvp.YES, 1))).label("coming"),
            func.count(case((came, 1))).label("participants"),
            func.count(distinct(case((came, EventGuest.company_id)))).label("companies"),
        )
        .group_by(EventGuest.event_id)
        .subquery()
    )
    openings = (
        select(JobOpening.event_id.label("event_id"), func.count().label("openings"))
        .where(JobOpening.event_id.is_not(None))
        .group_by(JobOpening.event_id)
        .subquery()
    )
    mentors = (
        select(Person.source_id.label("source_id"), func.count().label("mentors"))
        .where(Person.role == Role.MENTOR, Person.source_id.is_not(None))
        .group_by(Person.source_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Event,
            func.coalesce(guests.c.invited, 0),
            func.coalesce(guests.c.coming, 0),
            func.coalesce(guests.c.participants, 0),
            func.coalesce(guests.c.companies, 0),
            func.coalesce(openings.c.openings, 0),
            func.coalesce(mentors.c.mentors, 0),
        )
        .outerjoin(guests, guests.c.event_id == Event.id)
        .outerjoin(openings, openings.c.event_id == Event.id)
        .outerjoin(mentors, mentors.c.source_id == Event.source_id)
        .where(
            Event.programme_id == programme_id,
            Event.cancelled_at.is_(None),
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [
        EventFigures(e.id, e.kind, e.title, e.starts_at, e.place, *(int(n) for n in counts))
        for e, *counts in rows.all()
    ]
