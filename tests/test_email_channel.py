"""E-mail as a channel: a meeting request arrives with an iCalendar invite and a one-click link
(a GET only shows a button, the POST confirms); a cancellation withdraws the invite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select

from core.runtime import Runtime
from mentoring.delivery_news import NEWS
from mentoring.meetings import cancel_meeting, reschedule_meeting
from messaging.dispatcher import Dispatcher, DispatcherConfig, default_pacing
from messaging.email import Mailer
from messaging.email_sender import EmailSender, confirm_link
from messaging.ical import referenced_meeting
from messaging.outbox import enqueue
from messaging.render import Renderer
from storage.models import Meeting, OutboxMessage
from tests.conftest import COPENHAGEN, NOW
from tests.email_helpers import MEETING_AT, deliver, email_runtime, request_meeting
from tests.factories import active_pair
from tests.smtp_server import smtp_server
from web.app import create_app


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = email_runtime(db_url, tmp_path)
    yield rt
    await rt.close()


async def test_email_meeting_request_carries_invite_in_local_time(runtime: Runtime) -> None:
    message, meeting_id, _ = await request_meeting(runtime)
    email = await deliver(runtime, message)
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
    assert referenced_meeting(str(email["Message-ID"])) == meeting_id  # a reply finds it
    assert str(event["ATTENDEE"]) == "mailto:henrik@firma.dk"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "tirsdag d. 1. december kl. 15.00" in text
    assert "https://mentor.example.dk/links/confirm/" in text
    assert "JA eller NEJ" in text
    assert str(email["Subject"]) == "Møde tirsdag d. 1. december kl. 15.00: kan du komme?"


async def _meeting(runtime: Runtime, meeting_id: int) -> Meeting:
    async with runtime.sessions() as session:
        return (await session.scalars(select(Meeting).where(Meeting.id == meeting_id))).one()


async def _told(runtime: Runtime, template: str) -> list[OutboxMessage]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == template)
        )
        return list(rows)


async def test_email_confirm_link_get_only_shows_a_button_and_post_confirms_once(
    runtime: Runtime,
) -> None:
    message, meeting_id, mentor_id = await request_meeting(runtime)
    email = await deliver(runtime, message)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    url = next(w for w in text.split() if w.startswith("https://mentor.example.dk/links/"))
    path = url.removeprefix("https://mentor.example.dk")
    async with TestClient(TestServer(create_app(runtime))) as client:
        for _ in range(2):  # a mail scanner and a link preview fetch it first
            resp = await client.get(path)
            page = await resp.text()
            assert resp.status == 200 and "Bekræft</button>" in page
            assert '<form method="post"' in page and "Sara foreslår et møde" in page
            assert resp.headers["Cache-Control"] == "no-store"
        assert (await _meeting(runtime, meeting_id)).status == "proposed"
        assert await _told(runtime, "meeting_confirmed") == []
        resp = await client.post(path)
        assert resp.status == 200 and "Mødet er bekræftet" in await resp.text()
        resp = await client.post(path)
        assert resp.status == 409 and "Mødet er allerede bekræftet" in await resp.text()
        resp = await client.get(path)
        assert resp.status == 409 and "allerede bekræftet" in await resp.text()
    meeting = await _meeting(runtime, meeting_id)
    assert meeting.status == "confirmed" and meeting.confirmed_by == mentor_id
    assert meeting.confirmed_at == NOW.astimezone(UTC)
    [told] = await _told(runtime, "meeting_confirmed")  # the youth, once
    assert told.address == "+4520304050" and "Henrik" in (told.body or "")


async def test_email_confirm_link_forged_or_expired_gets_a_clear_page_and_changes_nothing(
    runtime: Runtime,
) -> None:
    _, meeting_id, mentor_id = await request_meeting(runtime)
    good = confirm_link(runtime.settings, meeting_id, mentor_id, MEETING_AT, sequence=0)
    path = good.removeprefix("https://mentor.example.dk")
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    expired = confirm_link(
        runtime.settings, meeting_id, mentor_id, NOW - timedelta(minutes=1), sequence=0
    ).removeprefix("https://mentor.example.dk")
    async with TestClient(TestServer(create_app(runtime))) as client:
        for method in (client.get, client.post):
            resp = await method(forged)
            assert resp.status == 403 and "ikke gyldigt" in await resp.text()
            resp = await method(expired)
            assert resp.status == 410 and "udløbet" in await resp.text()
    assert (await _meeting(runtime, meeting_id)).status == "proposed"
    assert await _told(runtime, "meeting_confirmed") == []


async def test_email_confirm_link_of_a_moved_meeting_does_not_confirm_the_new_time(
    runtime: Runtime,
) -> None:
    _, meeting_id, mentor_id = await request_meeting(runtime)
    old = confirm_link(runtime.settings, meeting_id, mentor_id, MEETING_AT, sequence=0)
    async with runtime.sessions() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.proposed_by is not None
        await reschedule_meeting(
            session,
            meeting_id,
            meeting.proposed_by,
            MEETING_AT + timedelta(days=1),
            None,
            now=NOW,
            tz=COPENHAGEN,
        )
    async with TestClient(TestServer(create_app(runtime))) as client:
        resp = await client.post(old.removeprefix("https://mentor.example.dk"))
        assert resp.status == 409 and "kunne ikke bekræftes" in await resp.text()
    assert (await _meeting(runtime, meeting_id)).status == "proposed"


async def _drain(runtime: Runtime) -> list[EmailMessage]:
    """Send the outbox's e-mail through the real dispatcher to a real SMTP server."""
    with smtp_server() as (port, inbox, _):
        settings = runtime.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        )
        sender = EmailSender(
            settings, runtime.sessions, runtime.renderer, Mailer(settings), runtime.clock
        )
        config = DispatcherConfig(pacing=default_pacing(settings))
        await Dispatcher(runtime.sessions, {"email": sender}, config, NEWS).run(until_empty=True)
    return [email for _, email in inbox.messages]


def _calendar(email: EmailMessage) -> Calendar:
    part = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    cal = Calendar.from_ical(part.get_content())
    assert part.get_param("method") == str(cal["METHOD"])
    return cal


async def test_email_cancelled_meeting_withdraws_the_invite_with_same_uid(
    runtime: Runtime,
) -> None:
    _, meeting_id, _ = await request_meeting(runtime)
    [request] = await _drain(runtime)
    [invited] = _calendar(request).walk("VEVENT")
    async with runtime.sessions() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        await cancel_meeting(session, meeting_id, meeting.proposed_by, now=NOW, tz=COPENHAGEN)
    [cancel] = await _drain(runtime)
    assert cancel["To"] == "henrik@firma.dk"
    assert str(cancel["Subject"]) == "Aflyst: møde tirsdag d. 1. december kl. 15.00"
    text = cancel.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Mødet med Sara tirsdag d. 1. december kl. 15.00 er aflyst" in text
    assert "/links/confirm/" not in text
    cal = _calendar(cancel)
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == str(invited["UID"]) == f"meeting-{meeting_id}@vejle.example.dk"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(invited["SEQUENCE"])
    assert event.decoded("DTSTART") == MEETING_AT
    assert str(event.decoded("DTSTART").tzinfo) == "Europe/Copenhagen"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    assert await _drain(runtime) == []  # withdrawn once


async def test_email_cancelled_meeting_never_sent_as_invite_sends_no_cancel(
    runtime: Runtime,
) -> None:
    _, meeting_id, _ = await request_meeting(runtime)  # the invite is still in the outbox
    async with runtime.sessions() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        await cancel_meeting(session, meeting_id, meeting.proposed_by, now=NOW, tz=COPENHAGEN)
    [email] = await _drain(runtime)  # the request goes, without an invite for a cancelled one
    assert "text/calendar" not in [p.get_content_type() for p in email.walk()]


async def test_email_plain_message_has_reply_instructions_and_no_invite(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        _, mentor, _ = await active_pair(session, NOW)
        message = await enqueue(
            session, channel="email", address="henrik@firma.dk", template="checkin",
            body="Hvordan går det?", person_id=mentor.id, awaiting_reply=True,
        )  # fmt: skip
    email = await deliver(runtime, message)
    assert "text/calendar" not in [p.get_content_type() for p in email.walk()]
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hvordan går det?" in text and "bare svare på denne e-mail" in text


def test_email_channel_html_makes_links_clickable_and_escapes_the_rest() -> None:
    body = "Læs mere her: https://mentor.example.dk/links/guardian/abc123\n<b>Hej</b> & farvel"
    html = Renderer().render(
        "email/channel.html.j2", "da", body=body, meeting=None, awaiting_reply=False
    )
    assert '<a href="https://mentor.example.dk/links/guardian/abc123"' in html
    assert "&lt;b&gt;Hej&lt;/b&gt; &amp; farvel" in html and "<b>Hej</b>" not in html
