"""What each event of a period came to, for the report's event sheets (one per kind).

Per event, as of the moment the report is made: invited = guests an invitation was sent to;
coming = guests whose latest answer is yes; participants = guests ticked as present; companies =
distinct companies of the guests present; openings = job openings registered as produced by the
event (`job_openings.event_id`), whatever their status; mentors = mentors who signed up through
the event's sign-up code (`outreach_sources.event_id`, where that exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Rsvp
from storage.models import Event, EventGuest, JobOpening


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
    rows = await session.execute(
        select(
            Event,
            func.coalesce(guests.c.invited, 0),
            func.coalesce(guests.c.coming, 0),
            func.coalesce(guests.c.participants, 0),
            func.coalesce(guests.c.companies, 0),
            func.coalesce(openings.c.openings, 0),
        )
        .outerjoin(guests, guests.c.event_id == Event.id)
        .outerjoin(openings, openings.c.event_id == Event.id)
        .where(
            Event.programme_id == programme_id,
            Event.cancelled_at.is_(None),
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [
        EventFigures(
            e.id, e.kind, e.title, e.starts_at, e.place, int(i), int(y), int(p), int(c), int(o), 0
        )
        for e, i, y, p, c, o in rows.all()
    ]
