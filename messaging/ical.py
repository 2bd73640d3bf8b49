"""iCalendar invites (iTIP over iMIP): METHOD:REQUEST for a meeting, METHOD:CANCEL to withdraw it.

One meeting keeps one UID; its SEQUENCE is the meeting's own counter, raised on every reschedule
or cancellation, so calendar programs update the event instead of adding a second one. Times are
written in the programme's zone with its VTIMEZONE included.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    starts_at: datetime
    duration: timedelta
    summary: str
    location: str | None
    organizer: tuple[str, str]  # (e-mail, name)
    attendee: tuple[str, str]
    description: str = ""


_REFERENCE = re.compile(r"<meeting-(\d{1,12})\.")


def meeting_uid(meeting_id: int, domain: str) -> str:
    return f"meeting-{meeting_id}@{domain}"


def invite_message_id(meeting_id: int, sequence: int, domain: str) -> str:
    """The Message-ID of an e-mail carrying a meeting's invite: a reply's In-Reply-To and
    References name the meeting, and the outbox row's provider_id shows the invite went out."""
    return f"<meeting-{meeting_id}.{sequence}.{secrets.token_hex(6)}@{domain}>"


def invite_prefix(meeting_id: int) -> str:
    """What every invite_message_id of this meeting starts with (for a LIKE on provider_id)."""
    return f"<meeting-{meeting_id}."


def cancel_key(meeting_id: int, sequence: int, person_id: int) -> str:
    """The outbox dedupe key of a METHOD:CANCEL e-mail: once per cancellation and person."""
    return f"ical-cancel:{meeting_id}:{sequence}:{person_id}"


def cancelled_meeting(key: str | None) -> tuple[int, int] | None:
    """(meeting id, sequence) from a cancel_key; None for any other key."""
    found = re.fullmatch(r"ical-cancel:(\d+):(\d+):\d+", key or "")
    return (int(found[1]), int(found[2])) if found else None


def event_uid(event_id: int, domain: str) -> str:
    return f"event-{event_id}@{domain}"


def event_invite_key(guest_id: int, sequence: int) -> str:
    """The outbox dedupe key of an event invitation e-mail: once per guest and version of the
    event; the e-mail channel reads the guest from it to attach the invite and the RSVP link."""
    return f"event-invite:{guest_id}:{sequence}"


def invited_guest(key: str | None) -> tuple[int, int] | None:
    """(guest id, sequence) from an event_invite_key; None for any other key."""
    found = re.fullmatch(r"event-invite:(\d+):(\d+)", key or "")
    return (int(found[1]), int(found[2])) if found else None


def referenced_meeting(*headers: str) -> int | None:
    """The meeting an e-mail answers: pass In-Reply-To first, then References (oldest first,
    so its last invite Message-ID is the newest)."""
    for header in headers:
        found = _REFERENCE.findall(header or "")
        if found:
            return int(found[-1])
    return None


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def build_invite(invite: Invite, method: str, now: datetime, tz: ZoneInfo) -> bytes:
    """The calendar object for `method` REQUEST or CANCEL."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    cal = Calendar()
    cal.add("prodid", "-//Erhvervsmentor//mentorbot//DA")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", now)
    start = invite.starts_at.astimezone(tz)
    event.add("dtstart", start)
    event.add("dtend", start + invite.duration)
    event.add("summary", invite.summary)
    if invite.location:
        event.add("location", invite.location)
    if invite.description:
        event.add("description", invite.description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event["organizer"] = _address(*invite.organizer)
    event.add(
        "attendee",
        _address(*invite.attendee, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE"),
    )
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
