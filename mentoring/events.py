"""Events: create and change them, their guests (invited or registered), answers, attendance,
and what they produced (job openings and mentor sign-ups).

An event's guest is a mentor, a Task Force or steering group member, or a company's contact
person; each guest row holds the answer (yes, no, maybe) and whether they came, which the
coordinator ticks afterwards. Sending the invitations is mentoring/event_invitations.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import EventKind, Rsvp
from mentoring.addresses import normalise_email
from mentoring.errors import DomainError, NotFound
from mentoring.openings import register_job_opening
from mentoring.signup_codes import give_event_a_code
from storage.models import Company, Event, EventGuest, JobOpening

__all__ = ["Event", "EventGuest", "EventKind", "Rsvp"]

MAX_DURATION_MINUTES = 24 * 60


@dataclass(frozen=True)
class EventFields:
    """What the coordinator types for an event."""

    kind: EventKind
    title: str
    starts_at: datetime
    duration_minutes: int = 120
    place: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class EventRow:
    """An event with its figures for the events list: guests invited, answered yes, came."""

    event: Event
    invited: int
    yes: int
    attended: int


def local_start(day: date, clock: str, tz: ZoneInfo) -> datetime:
    """A start typed as a local date and HH:MM, as a UTC-aware moment."""
    try:
        hour, minute = (int(part) for part in clock.split(":", 1))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    except ValueError:
        raise DomainError("dashboard_field_invalid", field="time") from None


def _check(fields: EventFields) -> None:
    if not fields.title.strip():
        raise DomainError("dashboard_field_missing", field="title")
    if not 15 <= fields.duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError("dashboard_field_invalid", field="duration_minutes")


async def create_event(
    session: AsyncSession, programme_id: int, fields: EventFields, *, created_by: int | None
) -> Event:
    _check(fields)
    event = Event(
        programme_id=programme_id,
        kind=fields.kind,
        title=fields.title.strip()[:200],
        starts_at=fields.starts_at,
        duration_minutes=fields.duration_minutes,
        place=(fields.place or "").strip()[:200] or None,
        description=(fields.description or "").strip() or None,
        created_by=created_by,
    )
    session.add(event)
    await session.flush()
    await give_event_a_code(session, event, created_by)
    return event


async def get_event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound("event", event_id)
    return event


async def find_event(session: AsyncSession, programme_id: int, event_id: int) -> Event | None:
    event = await session.get(Event, event_id)
    return event if event is not None and event.programme_id == programme_id else None


async def change_event(session: AsyncSession, event_id: int, fields: EventFields) -> Event:
    """Change an event; a new time or place raises its calendar SEQUENCE (invites resent then
    update the calendars' copy)."""
    _check(fields)
    event = await get_event(session, event_id)
    place = (fields.place or "").strip()[:200] or None
    moved = (
        event.starts_at != fields.starts_at
        or event.place != place
        or event.duration_minutes != fields.duration_minutes
    )
    event.kind, event.title = fields.kind, fields.title.strip()[:200]
    event.starts_at, event.duration_minutes, event.place = (
        fields.starts_at,
        fields.duration_minutes,
        place,
    )
    event.description = (fields.description or "").strip() or None
    if moved:
        event.sequence += 1
    return event


async def events_of(session: AsyncSession, programme_id: int) -> list[EventRow]:
    """Every event, the latest first, with its guests invited, answering yes, and present."""
    invited = func.count(case((EventGuest.invited_at.is_not(None), 1)))
    yes = func.count(case((EventGuest.rsvp == Rsvp.YES, 1)))
    came = func.count(case((EventGuest.attended.is_(True), 1)))
    rows = await session.execute(
        select(Event, invited, yes, came)
        .outerjoin(EventGuest, EventGuest.event_id == Event.id)
        .where(Event.programme_id == programme_id)
        .group_by(Event.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return [EventRow(e, int(i or 0), int(y or 0), int(a or 0)) for e, i, y, a in rows.all()]


async def guests_of(session: AsyncSession, event_id: int) -> list[EventGuest]:
    rows = await session.scalars(
        select(EventGuest).where(EventGuest.event_id == event_id).order_by(EventGuest.name)
    )
    return list(rows)


async def add_guest(
    session: AsyncSession,
    event: Event,
    name: str,
    *,
    email: str | None = None,
    person_id: int | None = None,
    member_id: int | None = None,
    company_id: int | None = None,
    invited_at: datetime | None = None,
) -> EventGuest:
    """The guest row for this person, member or address: found if they are already on the list
    (a second invitation or a registration after an invitation), else added."""
    email = normalise_email(email) if email else None
    if email is None and person_id is None and member_id is None and not name.strip():
        raise DomainError("dashboard_field_missing", field="name")
    found = None
    for column, value in (
        (EventGuest.person_id, person_id),
        (EventGuest.member_id, member_id),
        (EventGuest.email, email),
    ):
        if value is not None and found is None:
            found = await session.scalar(
                select(EventGuest).where(EventGuest.event_id == event.id, column == value)
            )
    if company_id is not None and await session.get(Company, company_id) is None:
        raise NotFound("company", company_id)
    guest = found or EventGuest(event_id=event.id, name=name.strip()[:160] or (email or "?"))
    if found is None:
        session.add(guest)
    guest.person_id = guest.person_id or person_id
    guest.member_id = guest.member_id or member_id
    guest.company_id = guest.company_id or company_id
    guest.email = guest.email or email
    if invited_at is not None and guest.invited_at is None:
        guest.invited_at = invited_at
    await session.flush()
    return guest


async def answer(session: AsyncSession, guest_id: int, rsvp: Rsvp, now: datetime) -> EventGuest:
    """A guest's answer; a later answer replaces an earlier one (people change their minds)."""
    guest = await session.get(EventGuest, guest_id)
    if guest is None:
        raise NotFound("guest", guest_id)
    guest.rsvp, guest.rsvp_at = Rsvp(rsvp), now
    return guest


async def record_attendance(session: AsyncSession, event_id: int, present: set[int]) -> int:
    """Tick who came: the guests in `present` attended, the others did not. Returns how many
    came."""
    await get_event(session, event_id)
    await session.execute(
        update(EventGuest)
        .where(EventGuest.event_id == event_id)
        .values(attended=EventGuest.id.in_(present or {0}))
        .execution_options(synchronize_session="fetch")
    )
    came = await session.scalar(
        select(func.count()).where(EventGuest.event_id == event_id, EventGuest.attended.is_(True))
    )
    return int(came or 0)


async def opening_from_event(
    session: AsyncSession, event_id: int, company_id: int, kind: str, created_on: date
) -> JobOpening:
    """A job opening the event produced: origin "event", tied to the event."""
    event = await get_event(session, event_id)
    opening = await register_job_opening(session, company_id, kind, created_on, origin="event")
    opening.event_id = event.id
    return opening


async def openings_of(session: AsyncSession, event_id: int) -> list[tuple[JobOpening, str]]:
    rows = await session.execute(
        select(JobOpening, Company.name)
        .join(Company, Company.id == JobOpening.company_id)
        .where(JobOpening.event_id == event_id)
        .order_by(JobOpening.id)
    )
    return [(o, n) for o, n in rows.all()]


def ends_at(event: Event) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)
