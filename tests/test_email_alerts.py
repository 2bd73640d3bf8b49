"""Alert e-mails: what cannot wait a week, batched to at most one e-mail an hour."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.runtime import Runtime
from mentoring.alerts import send_due_alerts
from mentoring.delivery_news import NEWS
from mentoring.people import add_contact
from messaging.delivery import RetryPolicy
from messaging.dispatcher import Dispatcher, DispatcherConfig, Pacing
from messaging.outbox import enqueue
from messaging.sms import TwilioSender
from messaging.telegram import TelegramSender, build_bot
from settings import load_settings
from storage.models import ContactPoint, Coordinator, InboxItem, Person, Programme
from tests import factories
from tests.conftest import NOW
from tests.fakes.chat import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN, eventually, queue_sms, sms_settings
from tests.smtp_server import Inbox, smtp_server
from tests.test_sms_webhooks import BASE, sign, sms
from web.app import create_app
from web.inbound import settled

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def test_email_alerts_are_batched_to_one_an_hour(db_url: str, tmp_path: Path) -> None:
    clock = [T0]
    with smtp_server() as (port, inbox, _):
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
            smtp_security="none",
        )  # fmt: skip
        runtime = Runtime.build(settings, clock=lambda: clock[0])
        try:
            async with runtime.sessions() as session, session.begin():
                prog = Programme(name="P", unit_name="J", starts_on=T0.date(), ends_on=T0.date())
                session.add(prog)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
                await session.flush()
                ali = Person(programme_id=prog.id, role="youth", first_name="Ali", status="active")
                session.add(ali)
                await session.flush()
                for kind in ("unsure", "stop"):
                    session.add(
                        InboxItem(programme_id=prog.id, person_id=ali.id, kind=kind, created_at=T0)
                    )
            assert await send_due_alerts(runtime) == 1
            assert await send_due_alerts(runtime) == 0  # nothing new
            clock[0] = T0 + timedelta(minutes=10)
            async with runtime.sessions() as session, session.begin():
                session.add(
                    InboxItem(
                        programme_id=prog.id, person_id=ali.id, kind="message", created_at=clock[0]
                    )
                )
            assert await send_due_alerts(runtime) == 0  # within the hour: waits
            clock[0] = T0 + timedelta(minutes=61)
            assert await send_due_alerts(runtime) == 1
        finally:
            await runtime.close()
    first, second = (m for _, m in inbox.messages)
    assert str(first["Subject"]) == "2 nye sager venter på dig"
    text = first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert 'Ali: "jeg er i tvivl"' in text and "Ali: vil stoppe" in text
    assert str(second["Subject"]) == "1 ny sag venter på dig"
    assert "Ali: besked" in second.get_body(("plain",)).get_content()  # type: ignore[union-attr]


@contextmanager
def alerting(db_url: str, tmp_path: Path, **extra: Any) -> Iterator[tuple[Runtime, Inbox]]:
    """A runtime whose alert e-mails go to a real SMTP server (the coordinator is added by the
    test's own data: factories make the programme, `coordinator` the recipient)."""
    with smtp_server() as (port, inbox, _):
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
            smtp_security="none", run_scheduler=False, **extra,
        )  # fmt: skip
        yield Runtime.build(settings, clock=lambda: NOW), inbox


def alert_text(inbox: Inbox) -> str:
    [(rcpt, mail)] = inbox.messages
    assert rcpt == ["karen@vejle.dk"]
    return str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def fast_retries(channel: str) -> DispatcherConfig:
    return DispatcherConfig(
        pacing={channel: Pacing(rate=1000.0)},
        policy=RetryPolicy(max_attempts=3, base_seconds=0.02),
        poll_interval=0.05,
    )


async def test_email_alert_for_a_telegram_message_dead_after_its_retries(
    db_url: str, tmp_path: Path, telegram_api: FakeTelegramAPI
) -> None:
    chat = 5550001
    telegram_api.fail(500)  # Telegram keeps answering 500
    with alerting(db_url, tmp_path) as (runtime, inbox):
        bot = build_bot(
            load_settings(telegram_bot_token="42:TEST", telegram_api_url=telegram_api.base_url)
        )
        try:
            async with runtime.sessions() as session, session.begin():
                youth, _, match = await factories.active_pair(session, NOW)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
                session.add(ContactPoint(person_id=youth.id, channel="telegram", address=str(chat)))
                await enqueue(session, channel="telegram", address=str(chat), template="help",
                              body="Husk mødet i morgen", person_id=youth.id)  # fmt: skip
            sender = TelegramSender(bot)
            await Dispatcher(
                runtime.sessions, {"telegram": sender}, fast_retries("telegram"), NEWS
            ).run(until_empty=True)
            assert len(telegram_api.sent("sendMessage", chat)) == 3
            async with runtime.sessions() as session:
                [item] = list(await session.scalars(select(InboxItem)))
            assert (item.kind, item.person_id, item.match_id, item.body) == (
                "dead_letter", youth.id, match.id, None
            )  # fmt: skip
            assert await send_due_alerts(runtime) == 1
        finally:
            await bot.session.close()
            await runtime.close()
    text = alert_text(inbox)
    assert "Sara: besked kunne ikke leveres" in text
    assert "Husk mødet" not in text  # the message itself stays out of the alert


async def test_email_alert_for_an_sms_to_nobody_dead_after_twilio_errors(
    db_url: str, tmp_path: Path, twilio: FakeTwilio
) -> None:
    number = "+4520304050"
    twilio.fail(number, "500", "500", "500")  # temporary, until the retries run out
    with alerting(db_url, tmp_path) as (runtime, inbox):
        sender = await TwilioSender.open(sms_settings(twilio.base_url))
        try:
            async with runtime.sessions() as session, session.begin():
                await factories.programme(session)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
            # An answer to a guardian: tied to no person.
            await queue_sms(runtime.sessions, [number], template="privacy_guardian_help")
            await Dispatcher(runtime.sessions, {"sms": sender}, fast_retries("sms"), NEWS).run(
                until_empty=True
            )
            assert twilio.requests == 3 and twilio.accepted == []
            assert await send_due_alerts(runtime) == 1
            assert await send_due_alerts(runtime) == 0  # one alert per dead message
        finally:
            await sender.close()
            await runtime.close()
    text = alert_text(inbox)
    assert "(uden navn): besked kunne ikke leveres" in text
    assert number not in text


async def test_email_alert_when_a_youth_texts_stop(
    db_url: str, tmp_path: Path, twilio: FakeTwilio
) -> None:
    number = "+4522334455"
    with alerting(
        db_url, tmp_path, twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN,
        twilio_from_number=FROM, twilio_api_url=twilio.base_url, public_base_url=BASE,
    ) as (runtime, inbox):  # fmt: skip
        try:
            async with runtime.sessions() as session, session.begin():
                youth, _, match = await factories.active_pair(session, NOW)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
                session.add(ContactPoint(person_id=youth.id, channel="sms", address=number,
                                         verified=True))  # fmt: skip
            async with TestClient(TestServer(create_app(runtime))) as client:
                for sid in ("SM" + "7" * 32, "SM" + "8" * 32):  # STOP, then STOP again
                    params = sms("STOP", sid, number)
                    response = await client.post(
                        "/sms/inbound", data=urlencode(params),
                        headers={"X-Twilio-Signature": sign("/sms/inbound", params),
                                 "Content-Type": "application/x-www-form-urlencoded"},
                    )  # fmt: skip
                    assert response.status == 200
                await settled(client.app)  # both handled
                await eventually(lambda: len(twilio.bodies_to(number)) == 1)  # one confirmation
            async with runtime.sessions() as session:
                [item] = list(await session.scalars(select(InboxItem)))
            assert (item.kind, item.person_id, item.match_id) == ("stop", youth.id, match.id)
            assert await send_due_alerts(runtime) == 1
        finally:
            await runtime.close()
    assert "Sara: vil stoppe" in alert_text(inbox)


async def test_email_alert_when_a_mentor_pauses_in_the_chat(db_url: str, tmp_path: Path) -> None:
    with alerting(db_url, tmp_path) as (runtime, inbox):
        try:
            async with runtime.sessions() as session, session.begin():
                _, mentor, _ = await factories.active_pair(session, NOW)
                session.add(Coordinator(email="karen@vejle.dk", password_hash="x"))
                await add_contact(session, mentor, "web", "sim-henrik", verified=True)
            chat = Chat(runtime, address="sim-henrik")
            assert "på pause" in await chat.text("pause")
            await chat.text("stop")  # already paused: no second alert
            async with runtime.sessions() as session:
                henrik = await session.get(Person, mentor.id)
                kinds = list(await session.scalars(select(InboxItem.kind)))
            assert henrik is not None and henrik.status == "paused" and kinds == ["stop"]
            assert await send_due_alerts(runtime) == 1
        finally:
            await runtime.close()
    assert "Henrik: vil stoppe" in alert_text(inbox)
