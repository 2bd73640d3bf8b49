"""Shared by the e-mail channel tests: a meeting request waiting for an e-mail mentor, and its
delivery through the real EmailSender to a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.runtime import Runtime
from mentoring.meetings import propose_meeting
from mentoring.prompts import set_state
from messaging.email import Mailer
from messaging.email_sender import EmailSender
from messaging.outbox import enqueue
from settings import load_settings
from storage.models import ContactPoint, OutboxMessage
from tests.conftest import COPENHAGEN, NOW
from tests.factories import active_pair
from tests.smtp_server import smtp_server

CPH = ZoneInfo("Europe/Copenhagen")
MEETING_AT = datetime(2026, 12, 1, 15, 0, tzinfo=CPH)
MENTOR_EMAIL = "henrik@firma.dk"
YOUTH_PHONE = "+4520304050"


def email_runtime(db_url: str, tmp_path: Path, **settings: Any) -> Runtime:
    """A runtime whose links and e-mails carry a public address and a sender, at NOW."""
    loaded = load_settings(
        database_url=db_url,
        data_dir=tmp_path,
        secret_key="a-test-secret-that-is-long-enough",
        run_scheduler=False,
        public_base_url="https://mentor.example.dk",
        mail_from="mentor@vejle.example.dk",
        **settings,
    )
    return Runtime.build(loaded, clock=lambda: NOW)


async def request_meeting(runtime: Runtime) -> tuple[OutboxMessage, int, int]:
    """Sara (SMS) proposes a meeting; Henrik (e-mail) is asked. (outbox row, meeting, mentor)"""
    async with runtime.sessions() as session, session.begin():
        youth, mentor, match = await active_pair(session, NOW - timedelta(days=10))
        session.add(ContactPoint(person_id=mentor.id, channel="email", address=MENTOR_EMAIL))
        session.add(ContactPoint(person_id=youth.id, channel="sms", address=YOUTH_PHONE))
        meeting = await propose_meeting(
            session, match.id, youth.id, MEETING_AT, "Vejle Bibliotek", now=NOW, tz=COPENHAGEN
        )
        await set_state(
            session, mentor.id, "meeting_confirm", "ask", {"meeting_id": meeting.id}, now=NOW
        )
        message = await enqueue(
            session, channel="email", address=MENTOR_EMAIL, template="meeting_confirm",
            body="Sara foreslår et møde.", person_id=mentor.id, awaiting_reply=True,
        )  # fmt: skip
    return message, meeting.id, mentor.id


async def deliver(runtime: Runtime, message: OutboxMessage) -> EmailMessage:
    """Send one outbox row by e-mail and return it as the mentor's mailbox received it."""
    with smtp_server() as (port, inbox, _):
        settings = runtime.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        )
        sender = EmailSender(
            settings, runtime.sessions, runtime.renderer, Mailer(settings), runtime.clock
        )
        sent = await sender.send(message)
    [(rcpt, email)] = inbox.messages
    assert rcpt == [MENTOR_EMAIL] and sent.provider_id
    return email
