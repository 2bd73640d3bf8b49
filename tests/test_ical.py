"""Invites: the same UID across updates, SEQUENCE raised on reschedule, CANCEL on cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from messaging.ical import (
    Invite,
    build_invite,
    cancel_key,
    cancelled_meeting,
    invite_message_id,
    invite_prefix,
    meeting_uid,
    referenced_meeting,
)

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _invite(sequence: int, starts_at: datetime) -> Invite:
    return Invite(
        uid=meeting_uid(7, "vejle.dk"), sequence=sequence, starts_at=starts_at,
        duration=timedelta(hours=1), summary="Mentormøde med Sara", location="Café Fjord",
        organizer=("mentor@vejle.dk", "Erhvervsmentor"), attendee=("henrik@firma.dk", "Henrik"),
    )  # fmt: skip


def test_ical_reschedule_keeps_uid_and_raises_sequence_across_dst() -> None:
    first = Calendar.from_ical(
        build_invite(_invite(0, datetime(2027, 3, 27, 13, 0, tzinfo=UTC)), "REQUEST", NOW, CPH)
    )
    moved = Calendar.from_ical(
        build_invite(_invite(1, datetime(2027, 3, 29, 13, 0, tzinfo=UTC)), "REQUEST", NOW, CPH)
    )
    a, b = first.walk("VEVENT")[0], moved.walk("VEVENT")[0]
    assert a["UID"] == b["UID"] == "meeting-7@vejle.dk"
    assert (int(a["SEQUENCE"]), int(b["SEQUENCE"])) == (0, 1)
    # 13:00 UTC is 14:00 before the clocks change on 28 March 2027 and 15:00 after.
    assert a.decoded("DTSTART").hour == 14 and b.decoded("DTSTART").hour == 15
    assert b.decoded("DTEND") - b.decoded("DTSTART") == timedelta(hours=1)


def test_ical_cancel_carries_method_and_status() -> None:
    raw = build_invite(_invite(2, datetime(2026, 12, 1, 14, 0, tzinfo=UTC)), "CANCEL", NOW, CPH)
    cal = Calendar.from_ical(raw)
    assert str(cal["METHOD"]) == "CANCEL"
    event = cal.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:Europe/Copenhagen" in raw
    assert b"\r\n" in raw


def test_ical_reply_to_an_invite_email_names_its_meeting() -> None:
    first = invite_message_id(41, 0, "vejle.dk")
    moved = invite_message_id(41, 1, "vejle.dk")
    assert first != moved and first.startswith(invite_prefix(41))
    assert referenced_meeting(moved, f"<abc@mail.gmail.com> {first}") == 41
    # In-Reply-To wins; in References the newest (last) invite counts.
    assert referenced_meeting("", f"{invite_message_id(3, 0, 'x.dk')} {first}") == 41
    assert referenced_meeting("<CAF+x@mail.gmail.com>", "<meeting-x.1@vejle.dk>") is None
    assert not invite_message_id(141, 0, "vejle.dk").startswith(invite_prefix(41))


def test_ical_cancel_key_round_trip() -> None:
    assert cancelled_meeting(cancel_key(7, 3, 12)) == (7, 3)
    assert cancelled_meeting("email-answer:ab:20261126:0") is None
    assert cancelled_meeting(None) is None
