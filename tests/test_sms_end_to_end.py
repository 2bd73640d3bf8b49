"""SMS alone, end to end over HTTP: a youth signs up, a meeting is confirmed and hours reported.

Texts arrive signed at POST /sms/inbound; every reply leaves through the app's outbox dispatcher
to the fake Twilio REST server, which is what the phones would have received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import MultiDict
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from core.runtime import Runtime
from mentoring.matches import accept_match, create_match
from messaging.gsm7 import is_gsm7
from storage.models import ContactPoint, HoursReport, Meeting, OutboxMessage, Person, Youth
from storage.types import utcnow
from tests.conftest import COPENHAGEN
from tests.factories import mentor
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, TOKEN, eventually, sms_settings
from web.app import create_app
from web.inbound import settled

BASE = "https://mentor.example.dk"
YOUTH = "+4522334455"
MENTOR = "+4522000002"


@pytest.fixture
async def runtime(db_url: str, twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    settings = sms_settings(
        twilio.base_url,
        database_url=db_url,
        public_base_url=BASE,
        run_scheduler=False,
        twilio_messages_per_second=200,
    )
    rt = Runtime.build(settings)
    yield rt
    await rt.close()


class Phone:
    """One phone texting the service and reading what comes back."""

    def __init__(
        self, client: TestClient[object, object], runtime: Runtime, twilio: FakeTwilio, number: str
    ) -> None:
        self.client, self.runtime, self.twilio, self.number = client, runtime, twilio, number
        self.read = 0
        self.sent = 0

    async def text(self, body: str) -> str:
        self.sent += 1
        params = [
            ("MessageSid", f"SM{self.number[1:]}{self.sent:020d}"),
            ("AccountSid", ACCOUNT),
            ("From", self.number),
            ("To", "+4571999999"),
            ("Body", body),
            ("NumMedia", "0"),
        ]
        signature = RequestValidator(TOKEN).compute_signature(
            BASE + "/sms/inbound", MultiDict(params)
        )
        response = await self.client.post(
            "/sms/inbound",
            data=urlencode(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert response.status == 200
        await settled(self.client.app)
        return await self.inbox()

    async def inbox(self) -> str:
        """Every SMS this phone received since it last looked, once all queued ones arrived."""
        async with self.runtime.sessions() as session:
            queued = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.address == self.number, OutboxMessage.channel == "sms")
            )
        await eventually(lambda: len(self.twilio.bodies_to(self.number)) >= (queued or 0))
        bodies = self.twilio.bodies_to(self.number)
        new, self.read = bodies[self.read :], len(bodies)
        return "\n".join(new)


async def test_sms_end_to_end_sign_up_meeting_and_hours(
    runtime: Runtime, twilio: FakeTwilio
) -> None:
    async with TestClient(TestServer(create_app(runtime))) as client:
        youth = Phone(client, runtime, twilio, YOUTH)
        assert (await youth.text("Hej")).endswith("Svar JA eller NEJ.")
        await youth.text("ja")
        await youth.text("Omar")
        assert "Svar med et tal." in await youth.text("22")
        assert "mere end et år i træk" in await youth.text("1")
        await youth.text("nej")
        assert "Hvad vil du gerne have hjælp til?" in await youth.text("2")
        await youth.text("job og praktik")
        assert "Telefon: +4522334455" in await youth.text("8000")
        assert "Vi leder nu efter din mentor" in await youth.text("ja")

        now = utcnow()
        async with runtime.sessions() as session, session.begin():
            person = await session.scalar(select(Person).where(Person.first_name == "Omar"))
            assert person is not None and await session.get(Youth, person.id) is not None
            m = await mentor(session)
            session.add(ContactPoint(person_id=m.id, channel="sms", address=MENTOR, verified=True))
            match = await create_match(session, person.id, m.id, now=now, tz=COPENHAGEN)
            await accept_match(session, match.id, now=now, today=now.date(), tz=COPENHAGEN)

        mentor_phone = Phone(client, runtime, twilio, MENTOR)
        await mentor_phone.text("MØDE tirsdag 15.00 Café X")
        question = await youth.inbox()
        assert "Henrik foreslår et møde tirsdag" in question and "Café X" in question
        assert question.endswith("Svar JA eller NEJ.")
        assert "Mødet er bekræftet" in await youth.text("JA")
        assert "2 timer er gemt" in await youth.text("TIMER 2")

    async with runtime.sessions() as session:
        meeting = await session.scalar(select(Meeting))
        hours = await session.scalar(select(HoursReport))
        assert meeting is not None and meeting.status == "confirmed"
        assert hours is not None and hours.minutes == 120
    received = twilio.bodies_to(YOUTH) + twilio.bodies_to(MENTOR)
    assert received and all(is_gsm7(body) for body in received)
