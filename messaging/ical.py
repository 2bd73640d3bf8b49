"""iCalendar invites (iTIP over iMIP): METHOD:REQUEST for a meeting, METHOD:CANCEL to withdraw it.

One meeting keeps one UID; its SEQUENCE is the meeting's own counter, raised on every reschedule
or cancellation, so calendar programs update the event instead of adding a second one. Times are
written in the programme's zone with its VTIMEZONE included.
"""

from __future__ import annotations

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


def meeting_uid(meeting_id: int, domain: str) -> str:
    return f"meeting-{meeting_id}@{domain}"


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
