"""E-mail as an outbox channel: multipart text + HTML with reply instructions; a meeting that
waits for this person's confirmation also carries an iCalendar invite and a one-click link, and
a cancellation of a meeting whose invite went out carries its METHOD:CANCEL. An event invitation
(its row's key names the guest) carries the event's calendar invite and the guest's RSVP link.

Confirm links are signed (settings.signing_keys()) for one version of the meeting (its SEQUENCE);
they expire when the meeting starts (at most LINK_TTL ahead); web/links.py confirms on a POST, once.
An invite e-mail's Message-ID names the meeting (messaging.ical.invite_message_id), so a reply
to it finds the meeting (web/email_inbound.py) and a cancellation finds who got the invite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.statuses import MeetingStatus
from messaging.email import Mailer
from messaging.ical import (
    Invite,
    build_invite,
    cancelled_meeting,
    event_uid,
    invite_message_id,
    invited_guest,
    meeting_uid,
)
from messaging.links import sign
from messaging.render import Renderer
from messaging.senders import PermanentFailure, Sent
from settings import Settings
from storage.models import (
    ConversationState,
    Event,
    EventGuest,
    Match,
    Meeting,
    OutboxMessage,
    Person,
)

LINK_TTL = timedelta(days=14)
MEETING_LENGTH = timedelta(hours=1)
RSVP_PURPOSE = "event_rsvp"


def base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://{settings.host}:{settings.port}"


def confirm_link(
    settings: Settings, meeting_id: int, person_id: int, expires: datetime, *, sequence: int
) -> str:
    token = sign(settings.signing_keys(), {"m": meeting_id, "p": person_id, "s": sequence}, expires)
    return f"{base_url(settings)}/links/confirm/{token}"


def event_rsvp_link(settings: Settings, event: Event, guest_id: int) -> str:
    """The guest's yes / no / maybe page; it works until the event ends."""
    expires = event.starts_at + timedelta(minutes=event.duration_minutes)
    token = sign(
        settings.signing_keys(), {"purpose": RSVP_PURPOSE, "e": event.id, "g": guest_id}, expires
    )
    return f"{base_url(settings)}/links/event/{token}"


class EmailSender:
    channel = "email"

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        renderer: Renderer,
        mailer: Mailer,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings, self.sessions, self.renderer = settings, sessions, renderer
        self.mailer, self.clock = mailer, clock

    @property
    def _domain(self) -> str:
        return self.settings.mail_from.rpartition("@")[2] or "localhost"

    async def _meeting(self, person_id: int | None) -> dict[str, Any] | None:
        """The meeting this person is asked to confirm, with the other side's first name."""
        if person_id is None:
            return None
        async with self.sessions() as session:
            state = await session.get(ConversationState, person_id)
            if state is None or state.flow != "meeting_confirm":
                return None
            meeting = await session.get(Meeting, int(state.data.get("meeting_id", 0)))
            if meeting is None or meeting.status != MeetingStatus.PROPOSED:
                return None
            match = await session.get(Match, meeting.match_id)
            assert match is not None
            other = await session.get(Person, match.other(person_id))
            return {"meeting": meeting, "other": other.first_name if other else ""}

    async def _cancelled(self, message: OutboxMessage) -> dict[str, Any] | None:
        """The meeting whose invite this cancellation withdraws, at its cancelled SEQUENCE."""
        key = cancelled_meeting(message.dedupe_key)
        if key is None or message.person_id is None:
            return None
        async with self.sessions() as session:
            meeting = await session.get(Meeting, key[0])
            match = await session.get(Match, meeting.match_id) if meeting else None
            if meeting is None or match is None:
                return None
            other = await session.get(Person, match.other(message.person_id))
            name = other.first_name if other else ""
            return {"meeting": meeting, "other": name or "", "sequence": key[1]}

    async def _event(self, message: OutboxMessage) -> tuple[Event, EventGuest, int] | None:
        """The event and guest an invitation e-mail is for, at the invited SEQUENCE."""
        key = invited_guest(message.dedupe_key)
        if key is None:
            return None
        async with self.sessions() as session:
            guest = await session.get(EventGuest, key[0])
            event = await session.get(Event, guest.event_id) if guest else None
            if guest is None or event is None or event.cancelled_at is not None:
                return None
            return event, guest, key[1]

    def _event_invite(self, event: Event, sequence: int, address: str, name: str) -> Invite:
        return Invite(
            uid=event_uid(event.id, self._domain),
            sequence=sequence,
            starts_at=event.starts_at,
            duration=timedelta(minutes=event.duration_minutes),
            summary=event.title,
            location=event.place,
            organizer=(self.settings.mail_from, self.renderer.render(
                "email/invite_organizer.txt.j2", self.settings.default_language)),
            attendee=(address, name),
            description=event.description or "",
        )  # fmt: skip

    def _invite(
        self, meeting: Meeting, sequence: int, language: str, address: str, name: str, other: str
    ) -> Invite:
        return Invite(
            uid=meeting_uid(meeting.id, self._domain),
            sequence=sequence,
            starts_at=meeting.starts_at,
            duration=MEETING_LENGTH,
            summary=self.renderer.render("email/invite_summary.txt.j2", language, other=other),
            location=meeting.place,
            organizer=(self.settings.mail_from, self.renderer.render(
                "email/invite_organizer.txt.j2", language)),
            attendee=(address, name),
        )  # fmt: skip

    async def send(self, message: OutboxMessage) -> Sent:
        if not message.address:
            raise PermanentFailure("no address", "invalid")
        now = self.clock()
        async with self.sessions() as session:
            person = await session.get(Person, message.person_id) if message.person_id else None
        language = person.language if person else self.settings.default_language
        found = await self._meeting(message.person_id) if message.awaiting_reply else None
        cancelled = await self._cancelled(message)
        invited = await self._event(message)
        context: dict[str, Any] = {
            "body": message.body or "",
            "options": message.options,
            "awaiting_reply": message.awaiting_reply,
            "person": person,
            "confirm_url": None,
            "meeting": None,
            "cancelled": None,
            "event": None,
            "rsvp_url": None,
        }
        calendar: tuple[Meeting, int, str] | None = None  # meeting, SEQUENCE, METHOD
        event_invite: Invite | None = None
        if found and person is not None:
            meeting: Meeting = found["meeting"]
            expires = min(meeting.starts_at, now + LINK_TTL)
            context["confirm_url"] = confirm_link(
                self.settings, meeting.id, person.id, expires, sequence=meeting.sequence
            )
            context["meeting"], context["other"] = meeting, found["other"]
            calendar = (meeting, meeting.sequence, "REQUEST")
        elif cancelled and person is not None:
            context["cancelled"], context["other"] = cancelled["meeting"], cancelled["other"]
            calendar = (cancelled["meeting"], cancelled["sequence"], "CANCEL")
            context["body"] = self.renderer.render(
                "email/invite_cancelled.txt.j2", language, **context
            )
        elif invited is not None:
            event, guest, sequence = invited
            context["event"] = event
            context["rsvp_url"] = event_rsvp_link(self.settings, event, guest.id)
            event_invite = self._event_invite(event, sequence, message.address, guest.name)
        subject = self.renderer.render("email/channel_subject.txt.j2", language, **context)
        email = EmailMessage()
        email["Subject"] = " ".join(subject.split())
        email["From"] = self.settings.mail_from
        email["To"] = message.address
        email.set_content(self.renderer.render("email/channel.txt.j2", language, **context))
        email.add_alternative(
            self.renderer.render("email/channel.html.j2", language, **context), subtype="html"
        )
        if calendar is not None and person is not None:
            meeting, sequence, method = calendar
            invite = self._invite(
                meeting, sequence, language, message.address, person.first_name or "",
                context["other"],
            )  # fmt: skip
            ics = build_invite(invite, method, now, self.settings.tz)
            email.add_alternative(
                ics.decode("utf-8"), subtype="calendar", params={"method": method}
            )
            if method == "REQUEST":
                email["Message-ID"] = invite_message_id(meeting.id, sequence, self._domain)
        if event_invite is not None:
            ics = build_invite(event_invite, "REQUEST", now, self.settings.tz)
            email.add_alternative(
                ics.decode("utf-8"), subtype="calendar", params={"method": "REQUEST"}
            )
        message_id = await self.mailer.send(email)
        return Sent(provider_id=message_id[:64])
