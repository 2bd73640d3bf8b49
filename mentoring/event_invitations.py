"""Inviting guests to an event, and their answers.

A mentor is invited on their own channel (`mentoring.outbound`: Telegram, SMS, the simulator)
with a yes/no question whose answer the conversation engine reads (flow `event_rsvp`), and by
e-mail where they have an address; anyone else (a company's contact person, a Task Force member)
by e-mail only. Every invitation e-mail carries the calendar invite (METHOD:REQUEST, the event's
UID and SEQUENCE) and a signed RSVP link (`/links/event/{token}`, web/event_links.py) to a
yes / no / maybe page; the e-mail channel builds both from the row's key
(`messaging.ical.event_invite_key`). Mentors get a reminder the day before
(mentoring/followups/events.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Approval, PersonStatus, Rsvp
from mentoring import outbound
from mentoring.errors import DomainError
from mentoring.events import add_guest, answer, ends_at, get_event, guests_of
from mentoring.followups.events import plan_reminder
from mentoring.prompts import ask
from mentoring.quiet_hours import next_allowed
from messaging.ical import event_invite_key
from messaging.render import Renderer
from storage.models import (
    Company,
    CompanyContact,
    ContactPoint,
    Event,
    EventGuest,
    GroupMember,
    Mentor,
    Person,
)

FLOW = "event_rsvp"


def _context(event: Event) -> dict[str, Any]:
    return {
        "event_title": event.title,
        "starts_at": event.starts_at,
        "place": event.place or "",
        "guest_name": "",
    }


def yes_no() -> tuple[outbound.Option, ...]:
    return (outbound.Option("yes", "label_yes"), outbound.Option("no", "label_no"))


async def _email_of(session: AsyncSession, person_id: int) -> str | None:
    return await session.scalar(
        select(ContactPoint.address).where(
            ContactPoint.person_id == person_id,
            ContactPoint.channel == "email",
            ContactPoint.state == "ok",
        )
    )


async def _email(
    session: AsyncSession,
    renderer: Renderer,
    event: Event,
    guest: EventGuest,
    address: str,
    *,
    person: Person | None,
    not_before: datetime | None = None,
) -> None:
    await outbound.say_at(
        session,
        renderer,
        channel="email",
        address=address,
        template="event_invitation",
        context={**_context(event), "guest_name": guest.name},
        person=person,
        not_before=not_before,
        dedupe_key=event_invite_key(guest.id, event.sequence),
        awaiting_reply=False,
    )


async def invite_mentors(
    session: AsyncSession,
    renderer: Renderer,
    event_id: int,
    mentor_ids: list[int],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """Invite approved mentors; returns how many could be reached (chat or e-mail). The chat
    question waits for allowed hours; a mentor invited twice is asked again, not listed twice."""
    event = await _open_event(session, event_id, now)
    reached = 0
    send_at = next_allowed(now, tz)
    for mentor_id in dict.fromkeys(mentor_ids):
        mentor = await session.get(Mentor, mentor_id)
        person = await session.get(Person, mentor_id)
        if mentor is None or person is None or mentor.approval != Approval.APPROVED:
            continue
        guest = await add_guest(
            session,
            event,
            person.first_name or "",
            person_id=person.id,
            company_id=mentor.company_id,
            invited_at=now,
        )
        point = await outbound.reachable_contact(session, person.id)
        sent = False
        if point is not None and point.channel != "email":
            message = await ask(
                session,
                renderer,
                person.id,
                FLOW,
                {"guest_id": guest.id},
                "event_invitation",
                _context(event),
                now=now,
                options=yes_no(),
                not_before=send_at,
                dedupe_key=f"event-chat:{guest.id}:{event.sequence}",
            )
            sent = message is not None
        address = await _email_of(session, person.id)
        if address and person.status.reachable:
            await _email(session, renderer, event, guest, address, person=person)
            sent = True
        if sent:
            reached += 1
            await plan_reminder(session, event, guest, tz)
    return reached


async def invite_by_email(
    session: AsyncSession,
    renderer: Renderer,
    event_id: int,
    name: str,
    email: str,
    *,
    now: datetime,
    company_id: int | None = None,
    member_id: int | None = None,
) -> EventGuest:
    """Invite someone who is not a programme participant (a company's contact person, a group
    member) by e-mail, in Danish."""
    event = await _open_event(session, event_id, now)
    guest = await add_guest(
        session, event, name, email=email, company_id=company_id, member_id=member_id,
        invited_at=now,
    )  # fmt: skip
    assert guest.email is not None
    await _email(session, renderer, event, guest, guest.email, person=None)
    return guest


async def invite_members(
    session: AsyncSession, renderer: Renderer, event_id: int, group: str, *, now: datetime
) -> int:
    """Invite every active member of a group who has an e-mail address; returns how many."""
    members = await session.scalars(
        select(GroupMember).where(
            GroupMember.group_name == group,
            GroupMember.active.is_(True),
            GroupMember.email.is_not(None),
        )
    )
    count = 0
    for member in members:
        assert member.email is not None
        await invite_by_email(
            session, renderer, event_id, member.name, member.email, now=now,
            company_id=member.company_id, member_id=member.id,
        )  # fmt: skip
        count += 1
    return count


async def _open_event(session: AsyncSession, event_id: int, now: datetime) -> Event:
    event = await get_event(session, event_id)
    if event.cancelled_at is not None or ends_at(event) <= now:
        raise DomainError("event_not_open")
    return event


async def rsvp_state(
    session: AsyncSession, payload: dict[str, Any], now: datetime
) -> tuple[str, EventGuest | None, Event | None]:
    """("ask", guest, event) while the link's guest can still answer; ("failed", ...) when the
    event was cancelled, is over, or the guest is gone."""
    guest = await session.get(EventGuest, int(payload["g"]))
    event = await session.get(Event, guest.event_id) if guest is not None else None
    if guest is None or event is None or event.id != int(payload["e"]):
        return "failed", None, None
    if event.cancelled_at is not None or ends_at(event) <= now:
        return "failed", guest, event
    return "ask", guest, event


async def rsvp_by_link(
    session: AsyncSession, payload: dict[str, Any], said: str, now: datetime
) -> tuple[str, EventGuest | None, Event | None]:
    """Record the answer chosen on the RSVP page; the state found, as `rsvp_state`."""
    state, guest, event = await rsvp_state(session, payload, now)
    if state == "ask" and guest is not None:
        await answer(session, guest.id, Rsvp(said), now)
        return "answered", guest, event
    return state, guest, event


async def rsvp_by_chat(
    session: AsyncSession, guest_id: int, person_id: int, coming: bool, now: datetime
) -> Event:
    """A mentor's yes or no to the invitation, read by the conversation engine."""
    guest = await session.get(EventGuest, guest_id)
    if guest is None or guest.person_id != person_id:
        raise DomainError("event_not_open")
    event = await _open_event(session, guest.event_id, now)
    await answer(session, guest.id, Rsvp.YES if coming else Rsvp.NO, now)
    return event


async def guest_language(session: AsyncSession, guest: EventGuest | None) -> str | None:
    """A mentor guest's language; None for everyone else (the programme's default)."""
    if guest is None or guest.person_id is None:
        return None
    person = await session.get(Person, guest.person_id)
    return person.language if person else None


async def invitable_mentors(
    session: AsyncSession, programme_id: int, event_id: int
) -> list[tuple[Person, str | None]]:
    """Approved mentors not erased and not yet on the event's guest list, by first name, with
    their company's name."""
    invited = select(EventGuest.person_id).where(
        EventGuest.event_id == event_id, EventGuest.person_id.is_not(None)
    )
    rows = await session.execute(
        select(Person, Company.name)
        .join(Mentor, Mentor.person_id == Person.id)
        .outerjoin(Company, Company.id == Mentor.company_id)
        .where(
            Person.programme_id == programme_id,
            Person.status != PersonStatus.ERASED,
            Mentor.approval == Approval.APPROVED,
            Person.id.not_in(invited),
        )
        .order_by(Person.first_name, Person.id)
    )
    return [(p, c) for p, c in rows.all()]


async def tell_guests_it_moved(
    session: AsyncSession, renderer: Renderer, event_id: int, *, now: datetime, tz: ZoneInfo
) -> int:
    """After a new time or place: every invited guest gets the updated calendar invite by e-mail
    (the same UID, the new SEQUENCE), mentors also a short message on their channel, and their
    day-before reminders move with the event. Returns how many guests were told."""
    event = await _open_event(session, event_id, now)
    told = 0
    for guest in await guests_of(session, event.id):
        if guest.invited_at is None or guest.rsvp == Rsvp.NO:
            continue
        person = await session.get(Person, guest.person_id) if guest.person_id else None
        address = guest.email or (await _email_of(session, person.id) if person else None)
        point = await outbound.reachable_contact(session, person.id) if person else None
        if person is not None and point is not None and point.channel != "email":
            await outbound.say(
                session, renderer, person.id, "event_moved", _context(event),
                not_before=next_allowed(now, tz),
                dedupe_key=f"event-moved:{guest.id}:{event.sequence}",
            )  # fmt: skip
        if person is not None:
            await plan_reminder(session, event, guest, tz)
        if address and (person is None or person.status.reachable):
            await _email(session, renderer, event, guest, address, person=person)
        told += 1
    return told


async def invitable_contacts(
    session: AsyncSession, programme_id: int, event_id: int
) -> list[tuple[CompanyContact, str]]:
    """Companies' contact persons with an e-mail address not yet on the guest list, by company
    and name, with the company's name."""
    listed = select(EventGuest.email).where(
        EventGuest.event_id == event_id, EventGuest.email.is_not(None)
    )
    rows = await session.execute(
        select(CompanyContact, Company.name)
        .join(Company, Company.id == CompanyContact.company_id)
        .where(
            Company.programme_id == programme_id,
            CompanyContact.email.is_not(None),
            CompanyContact.email.not_in(listed),
        )
        .order_by(Company.name, CompanyContact.name)
    )
    return [(c, n) for c, n in rows.all()]


async def invite_contacts(
    session: AsyncSession,
    renderer: Renderer,
    programme_id: int,
    event_id: int,
    contact_ids: list[int],
    *,
    now: datetime,
) -> int:
    """Invite the chosen contact persons by e-mail; returns how many."""
    chosen = {c.id: c for c, _ in await invitable_contacts(session, programme_id, event_id)}
    count = 0
    for contact_id in dict.fromkeys(contact_ids):
        contact = chosen.get(contact_id)
        if contact is None or contact.email is None:
            continue
        await invite_by_email(
            session, renderer, event_id, contact.name, contact.email, now=now,
            company_id=contact.company_id,
        )  # fmt: skip
        count += 1
    return count
