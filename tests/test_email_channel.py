"""E-mail as a channel: a meeting request arrives with an iCalendar invite and a one-click link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select

from mentoring.meetings import propose_meeting
from mentoring.prompts import set_state
from mentoring.runtime import Runtime
from messaging.email import Mailer
from messaging.email_sender import EmailSender, confirm_link
from messaging.outbox import enqueue
from settings import load_settings
from storage.models import ContactPoint, Meeting, OutboxMessage
from tests.conftest import NOW
from tests.factories import active_pair
from tests.smtp_server import smtp_server
from web.app import create_app

CPH = ZoneInfo("Europe/Copenhagen")
MEETING_AT = datetime(2026, 12, 1, 15, 0, tzinfo=CPH)


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = load_settings(
        database_url=db_url,
        data_dir=tmp_path,
        secret_key="a-test-secret-that-is-long-enough",
        run_scheduler=False,
        public_base_url="https://mentor.example.dk",
        mail_from="mentor@vejle.example.dk",
    )
    rt = Runtime.build(settings, clock=lambda: NOW)
    yield rt
    await rt.close()


async def _request_meeting(runtime: Runtime) -> tuple[OutboxMessage, int, int]:
    async with runtime.sessions() as session, session.begin():
        youth, mentor, match = await active_pair(session, NOW - timedelta(days=10))
        session.add(ContactPoint(person_id=mentor.id, channel="email", address="henrik@firma.dk"))
        meeting = await propose_meeting(
            session, match.id, youth.id, MEETING_AT, "Vejle Bibliotek", now=NOW
        )
        await set_state(session, mentor.id, "meeting_confirm", "ask", {"meeting_id": meeting.id})
        message = await enqueue(
            session, channel="email", address="henrik@firma.dk", template="meeting_confirm",
            body="Sara foreslår et møde.", person_id=mentor.id, awaiting_reply=True,
        )  # fmt: skip
    return message, meeting.id, mentor.id


async def _deliver(runtime: Runtime, message: OutboxMessage) -> EmailMessage:
    with smtp_server() as (port, inbox, _):
        settings = runtime.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        )
        sender = EmailSender(
            settings, runtime.sessions, runtime.renderer, Mailer(settings), runtime.clock
        )
        sent = await sender.send(message)
    [(rcpt, email)] = inbox.messages
    assert rcpt == ["henrik@firma.dk"] and sent.provider_id
    return email


async def test_email_meeting_request_carries_invite_in_local_time(runtime: Runtime) -> None:
    message, meeting_id, _ = await _request_meeting(runtime)
    email = await _deliver(runtime, message)
    types = [p.get_content_type() for p in email.walk()]
    assert types == ["multipart/alternative", "text/plain", "text/html", "text/calendar"]
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Copenhagen"
    assert (start.hour, start.minute) == (15, 0) and start == MEETING_AT
    assert str(event["UID"]) == f"meeting-{meeting_id}@vejle.example.dk"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ATTENDEE"]) == "mailto:henrik@firma.dk"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "tirsdag d. 1. december kl. 15.00" in text
    assert "https://mentor.example.dk/links/confirm/" in text
    assert "JA eller NEJ" in text
    assert str(email["Subject"]) == "Møde tirsdag d. 1. december kl. 15.00: kan du komme?"


async def test_email_confirm_link_works_once_and_fails_forged_or_expired(runtime: Runtime) -> None:
    message, meeting_id, mentor_id = await _request_meeting(runtime)
    email = await _deliver(runtime, message)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    url = next(w for w in text.split() if w.startswith("https://mentor.example.dk/links/"))
    path = url.removeprefix("https://mentor.example.dk")
    expired = confirm_link(runtime.settings, meeting_id, mentor_id, NOW - timedelta(minutes=1))
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    async with TestClient(TestServer(create_app(runtime))) as client:
        resp = await client.get(forged)
        assert resp.status == 403 and "ikke gyldigt" in await resp.text()
        resp = await client.get(expired.removeprefix("https://mentor.example.dk"))
        assert resp.status == 410 and "udløbet" in await resp.text()
        resp = await client.get(path)
        assert resp.status == 200 and "Mødet er bekræftet" in await resp.text()
        resp = await client.get(path)
        assert resp.status == 409 and "allerede brugt" in await resp.text()
    async with runtime.sessions() as session:
        meeting = (await session.scalars(select(Meeting).where(Meeting.id == meeting_id))).one()
    assert meeting.status == "confirmed" and meeting.confirmed_by == mentor_id
    assert meeting.confirmed_at == NOW.astimezone(UTC)


async def test_email_plain_message_has_reply_instructions_and_no_invite(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        _, mentor, _ = await active_pair(session, NOW)
        message = await enqueue(
            session, channel="email", address="henrik@firma.dk", template="checkin",
            body="Hvordan går det?", person_id=mentor.id, awaiting_reply=True,
        )  # fmt: skip
    email = await _deliver(runtime, message)
    assert "text/calendar" not in [p.get_content_type() for p in email.walk()]
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hvordan går det?" in text and "bare svare på denne e-mail" in text
