"""Outreach: a caseworker's referral reaches the youth by SMS (fake Twilio) and their answer
starts the sign-up attributed to the caseworker; codes in a Telegram deep link or a first SMS
say where people came from; a mentors' code starts a mentor sign-up; the figures per source;
and the one-year question at sign-up, editable by the coordinator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from core.statuses import MatchStatus, Role
from mentoring.delivery_news import NEWS
from mentoring.matches import accept_match, create_match
from mentoring.outreach import create_source, where_they_come_from
from messaging.delivery import RetryPolicy
from messaging.dispatcher import Dispatcher, DispatcherConfig, Pacing
from messaging.sms import TwilioSender
from storage.models import (
    AuditEntry,
    ContactPoint,
    ConversationState,
    OutboxMessage,
    Person,
    Youth,
)
from tests import factories, test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import sms_settings
from tests.runtime import make_runtime
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

MIA = "+4522334477"


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _send_sms(runtime: Runtime, twilio: FakeTwilio) -> None:
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    config = DispatcherConfig(
        pacing={"sms": Pacing(rate=1000.0)},
        policy=RetryPolicy(max_attempts=2, base_seconds=0.02),
        poll_interval=0.05,
    )
    try:
        await Dispatcher(runtime.sessions, {"sms": sender}, config, NEWS).run(until_empty=True)
    finally:
        await sender.close()


async def test_a_caseworkers_referral_reaches_the_youth_by_sms_and_her_answer_starts_sign_up(
    dash: Dashboard, twilio: FakeTwilio
) -> None:
    await dash.login()
    page = await dash.post(
        "/outreach/sources",
        {
            "kind": "caseworker",
            "name": "Jobcenter Vejle, team unge",
            "code": "vejle-unge",
        },
    )
    assert "Kilden er tilføjet. Dens kode er VEJLEUNGE." in page
    async with dash.runtime.sessions() as s:
        source_id = (await s.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.action == "outreach_source_created"))).one()  # fmt: skip

    # A CPR number in the form is refused before anything is stored or sent.
    page = await dash.post("/outreach/referral", {"source_id": str(source_id),
                           "first_name": "Mia 010203-1234", "phone": "22 33 44 77"})  # fmt: skip
    assert 'role="alert"' in page and "CPR" in page
    async with dash.runtime.sessions() as s:
        assert (await s.scalars(select(OutboxMessage))).all() == []

    page = await dash.post("/outreach/referral", {"source_id": str(source_id),
                           "first_name": "mia", "phone": "22 33 44 77"})  # fmt: skip
    assert "Invitationen til Mia er på vej som sms." in page
    await _send_sms(dash.runtime, twilio)
    [invitation] = twilio.bodies_to(MIA)
    assert invitation.startswith("Hej Mia! Du er blevet foreslået til Erhvervsmentor")
    assert "Svar JA" in invitation

    # The same number cannot be referred twice.
    page = await dash.post("/outreach/referral", {"source_id": str(source_id),
                           "first_name": "Mia", "phone": "+45 22334477"})  # fmt: skip
    assert "Det nummer hører allerede til en i programmet" in page

    # Mia answers the SMS: the sign-up starts (its consent question), attributed to the source.
    chat = Chat(dash.runtime, channel="sms", address=MIA)
    await chat.replies()  # the invitation, read
    answer = await chat.text("ja tak")
    assert "Vi deler ikke andet." in answer and "Svar JA eller NEJ." in answer  # consent
    async with dash.runtime.sessions() as s:
        mia = await s.scalar(select(Person).join(ContactPoint).where(ContactPoint.address == MIA))
        point = await s.scalar(select(ContactPoint).where(ContactPoint.address == MIA))
    assert mia is not None and mia.source_id == source_id and mia.first_name == "Mia"
    assert point is not None and point.verified  # her answer proved the number


async def test_codes_in_a_deep_link_or_a_first_sms_say_where_people_came_from(
    runtime: Runtime,
) -> None:
    async with runtime.transaction() as s:
        programme = await factories.programme(s)
        school = await create_source(s, programme.id, "school", "Viborg Gymnasium", code="VGYM")
        poster = await create_source(s, programme.id, "poster", "Plakat på biblioteket")
        event = await create_source(s, programme.id, "event", "To Care or Not",
                                    audience="mentor", code="TOCARE")  # fmt: skip
    telegram = Chat(runtime, channel="telegram", address="5550001")
    await telegram.text("/start VGYM", start="VGYM")
    sms = Chat(runtime, channel="sms", address="+4522110011")
    await sms.text(poster.code.lower())  # the poster's code as the first text
    mentor = Chat(runtime, channel="telegram", address="5550002")
    welcome = await mentor.text("/start TOCARE", start="TOCARE")
    nobody = Chat(runtime, channel="sms", address="+4522110012")
    await nobody.text("hej")
    async with runtime.sessions() as s:
        by_address = dict(
            (await s.execute(select(ContactPoint.address, Person.source_id).join(Person))).all()
        )
        mentor_state = await s.scalar(
            select(Person.role).join(ContactPoint).where(ContactPoint.address == "5550002")
        )
    assert by_address["5550001"] == school.id
    assert by_address["+4522110011"] == poster.id
    assert by_address["5550002"] == event.id
    assert by_address["+4522110012"] is None
    assert "mentor" in welcome.lower()  # a mentors' code starts the mentor sign-up
    assert mentor_state in (Role.UNKNOWN, Role.MENTOR)


async def test_where_they_come_from_counts_signed_up_matched_and_completed_per_source(
    runtime: Runtime,
) -> None:
    async with runtime.transaction() as s:
        programme = await factories.programme(s)
        school = await create_source(s, programme.id, "school", "Viborg Gymnasium", code="VGYM")
        signed = NOW - timedelta(days=100)
        a = await factories.youth(s, signed, "Asta", phone="+4522334511")
        b = await factories.youth(s, signed, "Bo", phone="+4522334512")
        c = await factories.youth(s, signed, "Carl", phone="+4522334513")
        d = await factories.youth(s, signed, "Dina", phone="+4522334514")
        for youth in (a, b, c):
            youth.source_id = school.id
        henrik = await factories.mentor(s, "Henrik", capacity=3, phone="+4540112299")
        henrik.created_at = signed  # signed up before the measuring moment
        started = NOW - timedelta(days=95)
        for youth in (a, b):
            match = await create_match(s, youth.id, henrik.id, now=started, tz=COPENHAGEN)
            await accept_match(s, match.id, now=started, today=started.date(), tz=COPENHAGEN)
            if youth is a:
                match.status, match.ended_at = MatchStatus.COMPLETED, NOW - timedelta(days=2)
    async with runtime.sessions() as s:
        figures = await where_they_come_from(s, programme.id, NOW)
    rows = {(f.role, f.name): (f.signed_up, f.matched, f.completed) for f in figures}
    # By hand: Asta, Bo, Carl came through the school; Asta and Bo were matched; Asta's pair
    # completed. Dina and the mentor Henrik came on their own; Henrik has two pairs.
    assert rows[(Role.YOUTH, "Viborg Gymnasium")] == (3, 2, 1)
    assert rows[(Role.YOUTH, None)] == (1, 0, 0)
    assert rows[(Role.MENTOR, None)] == (1, 1, 1)
    assert d.source_id is None


async def test_an_unemployed_youth_is_asked_the_one_year_question_and_the_coordinator_edits_it(
    dash: Dashboard,
) -> None:
    await dash.login()
    youth_id = dash.data.sara
    page = await dash.post(f"/youths/{youth_id}/one-year", {"unemployed_over_year": "yes"},
                           page=f"/people/{youth_id}")  # fmt: skip
    assert "Svaret er gemt." in page and '<option value="yes" selected>' in page
    async with dash.runtime.sessions() as s:
        youth = await s.get(Youth, youth_id)
    assert youth is not None and youth.unemployed_over_year is True
    await dash.post(f"/youths/{youth_id}/one-year", {"unemployed_over_year": ""},
                    page=f"/people/{youth_id}")  # fmt: skip
    async with dash.runtime.sessions() as s:
        youth = await s.get(Youth, youth_id)
    assert youth is not None and youth.unemployed_over_year is None


async def test_an_unemployed_youth_is_asked_whether_it_has_been_more_than_a_year(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, channel="sms", address="+4522110033")
    await chat.text("hej")
    await chat.text("ja")
    await chat.text("jeg hedder mikkel og er 24")
    question = await chat.text("1")  # out of work
    assert "mere end et år i træk" in question
    again = await chat.text("hvad mener i?")
    assert "mere end et år i træk" in again  # a question is no answer: asked again
    interests = await chat.text("ja desværre")
    assert "interesse" in interests.lower()
    async with runtime.sessions() as s:
        data = await s.scalar(
            select(ConversationState.data)
            .join(ContactPoint, ContactPoint.person_id == ConversationState.person_id)
            .where(ContactPoint.address == "+4522110033")
        )
    assert data is not None and data["unemployed_over_year"] is True
    # A student is not asked: the condition is about being out of work.
    student = Chat(runtime, channel="sms", address="+4522110034")
    await student.text("hej")
    await student.text("ja")
    await student.text("Lea, 19")
    after = await student.text("2")  # in education, thinking of stopping
    assert "mere end et år" not in after
