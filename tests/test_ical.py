"""Invites: the same UID across updates, SEQUENCE raised on reschedule, CANCEL on cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from messaging.ical import Invite, build_invite, meeting_uid

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
