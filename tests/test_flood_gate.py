"""The SMS flood gate never silences a conversation (issue 16 finding 9, issue 17 finding 8).

Over real HTTP with signed Twilio requests: the longest sign-up path we know (a miss at every
question, corrections at the summary) stays under half the limit; a number over the limit gets
one polite answer and the coordinator an inbox item, and the rest of that flood is dropped.
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
from storage.models import InboundEvent, InboxItem, OutboxMessage, Person, Youth
from tests.conftest import NOW
from tests.factories import youth
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, TOKEN, sms_settings
from web.app import create_app
from web.inbound import settled
from web.sms import FLOOD_LIMIT, FloodGate, Verdict

BASE = "https://mentor.example.dk"
NUMBER = "+4522334455"
# A 17-year-old signing up by SMS who gets something wrong at every step and corrects two
# answers at the summary: the longest sign-up path in the tests (issue 17 counts ~21 texts).
LONGEST_SIGNUP = [
    "hej", "hmm", "ja", "?", "Sara", "sytten", "17", "ved ikke", "3", "it og byggeri",
    "1", "hmm", "Vejle", "x", "spring over", "Mette Hansen 20 30 40 50",
    "nej", "navn", "Sarah", "nej", "6", "8000", "ja",
]  # fmt: skip


@pytest.fixture
async def runtime(db_url: str, twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    settings = sms_settings(
        twilio.base_url, database_url=db_url, public_base_url=BASE, run_scheduler=False
    )
    rt = Runtime.build(settings, clock=lambda: NOW)
    yield rt
    await rt.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient[object, object]]:
    async with TestClient(TestServer(create_app(runtime))) as c:
        yield c


class Phone:
    def __init__(self, client: TestClient[object, object], number: str = NUMBER) -> None:
        self.client, self.number, self.sent = client, number, 0

    async def text(self, body: str, *, again: bool = False) -> None:
        """A new text, or with `again` Twilio's retry of the last one (the same MessageSid)."""
        self.sent += 0 if again else 1
        params = [("MessageSid", f"SM{self.number[1:]}{self.sent:020d}"),
                  ("AccountSid", ACCOUNT), ("From", self.number), ("To", "+4571999999"),
                  ("Body", body), ("NumMedia", "0")]  # fmt: skip
        signature = RequestValidator(TOKEN).compute_signature(
            BASE + "/sms/inbound", MultiDict(params)
        )
        response = await self.client.post(
            "/sms/inbound",
            data=urlencode(params),
            headers={"X-Twilio-Signature": str(signature),
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert response.status == 200
        await settled(self.client.app)


async def rows(runtime: Runtime, query: object) -> list[object]:
    async with runtime.sessions() as session:
        return list(await session.scalars(query))  # type: ignore[call-overload]


async def test_longest_signup_by_sms_stays_under_half_the_flood_limit(
    runtime: Runtime, client: TestClient[object, object]
) -> None:
    phone = Phone(client)
    for body in LONGEST_SIGNUP:
        await phone.text(body)
    assert len(LONGEST_SIGNUP) * 2 < FLOOD_LIMIT
    signed_up = await rows(runtime, select(Person).where(Person.first_name == "Sarah"))
    assert [(p.role, p.status) for p in signed_up] == [("youth", "active")]  # type: ignore[attr-defined]
    area = await rows(runtime, select(Youth.postcode))
    assert area == ["8000"]  # the correction took
    assert (
        await rows(runtime, select(OutboxMessage).where(OutboxMessage.template == "sms_flood"))
        == []
    )


async def test_flood_is_answered_once_and_the_coordinator_is_told(
    runtime: Runtime, client: TestClient[object, object]
) -> None:
    async with runtime.sessions() as session, session.begin():
        person = await youth(session, NOW, phone=NUMBER)
        person_id = person.id
    phone = Phone(client)
    for _ in range(FLOOD_LIMIT + 10):
        await phone.text("hej hej")
    async with runtime.sessions() as session:
        read = await session.scalar(select(func.count()).select_from(InboundEvent))
        answers = list(
            await session.scalars(
                select(OutboxMessage.body).where(OutboxMessage.template == "sms_flood")
            )
        )
        items = list(await session.execute(select(InboxItem.kind, InboxItem.person_id)))
    assert read == FLOOD_LIMIT
    assert len(answers) == 1
    assert "for mange beskeder" in (answers[0] or "") and "Vent 10 minutter" in (answers[0] or "")
    assert [tuple(i) for i in items if i[0] == "flood"] == [("flood", person_id)]


def test_flood_gate_reads_again_when_the_window_moves_on() -> None:
    gate = FloodGate(limit=3, window=60)
    verdicts = [gate.check("+4511111111", now=t) for t in (0, 1, 2, 3, 4, 5)]
    assert verdicts == [Verdict.READ] * 3 + [Verdict.ANSWER, Verdict.DROP, Verdict.DROP]
    assert gate.check("+4522222222", now=5) is Verdict.READ  # others are not affected
    later = [gate.check("+4511111111", now=t) for t in (70, 71, 72, 73)]
    assert later == [Verdict.READ] * 3 + [Verdict.ANSWER]  # a new flood is answered again


async def test_twilios_retries_of_one_text_are_not_a_flood(
    runtime: Runtime, client: TestClient[object, object]
) -> None:
    """A webhook retried over and over (the same MessageSid) is one text: it is answered as a
    repeat each time and the person's next text is read as usual, with no flood answer."""
    phone = Phone(client)
    await phone.text("hej")
    for _ in range(FLOOD_LIMIT + 5):
        await phone.text("hej", again=True)
    await phone.text("ja")
    flood = select(OutboxMessage).where(OutboxMessage.template == "sms_flood")
    assert await rows(runtime, flood) == []
    async with runtime.sessions() as session:
        handled = await session.scalar(select(func.count()).select_from(InboundEvent))
    assert handled == 2  # "hej" once, then "ja"
