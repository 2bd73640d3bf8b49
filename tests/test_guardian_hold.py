"""A guardian's objection end to end, through the conversation engine on SMS and Telegram: the
17-year-old is paused but always reaches the coordinator, the mentor is told without the reason,
the meeting ahead is cancelled (with the calendar cancellation), every follow-up of the pair waits,
the coordinator gets one inbox item, and lifting the pause (the guardian's JA, or the dashboard)
lets the pair go on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from core.statuses import FollowUpState, MeetingStatus, OutboxStatus
from mentoring.meetings import confirm_meeting, propose_meeting
from mentoring.people import add_contact
from mentoring.sweep import sweep
from messaging.ical import invite_message_id
from storage.models import AuditEntry, FollowUp, InboxItem, Meeting, OutboxMessage, Person
from tests import factories
from tests.browser.seed import EMAIL, PASSWORD, dashboard_runtime
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.chat import Chat
from tests.runtime import make_runtime
from tests.test_dashboard import CSRF
from web.app import create_app

GUARDIAN = "+4520304050"
YOUTH_PHONE = "+4531415926"
MENTOR_CHAT = "7001"
MENTOR_EMAIL = "henrik@jensen-tomrer.dk"
MEETING_AT = NOW + timedelta(days=5, hours=6)  # Tuesday 1 December, 16.00 in Copenhagen


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


@dataclass
class Pair:
    youth: Chat
    mentor: Chat
    guardian: Chat
    youth_id: int
    mentor_id: int
    match_id: int
    meeting_id: int


async def _minor_pair(runtime: Runtime, *, youth_language: str = "da") -> Pair:
    """A 17-year-old on SMS with a guardian's number, a mentor on Telegram (and e-mail, where the
    meeting's calendar invite went), an active pair and a confirmed meeting ahead."""
    async with runtime.sessions() as session, session.begin():
        y, m, match = await _people(session, youth_language)
        meeting = await propose_meeting(
            session, match, y.id, MEETING_AT, "Café Paradis", now=NOW, tz=COPENHAGEN
        )
        await confirm_meeting(session, meeting.id, m.id, now=NOW, tz=COPENHAGEN)
        session.add(  # the calendar invite that went out to the mentor by e-mail
            OutboxMessage(
                channel="email",
                address=MENTOR_EMAIL,
                template="meeting_invite",
                body="",
                person_id=m.id,
                status=OutboxStatus.SENT,
                provider_id=invite_message_id(meeting.id, 0, "mentor.example.dk"),
                sent_at=NOW,
            )
        )
        ids = (y.id, m.id, match, meeting.id)
    pair = Pair(
        Chat(runtime, channel="sms", address=YOUTH_PHONE),
        Chat(runtime, channel="telegram", address=MENTOR_CHAT),
        Chat(runtime, channel="sms", address=GUARDIAN),
        *ids,
    )
    await pair.mentor.replies()
    await pair.youth.replies()
    return pair


async def _people(session: AsyncSession, youth_language: str) -> tuple[Person, Person, int]:
    y = await factories.youth(
        session,
        NOW,
        birth_year=2009,
        situation="school_under_18",
        guardian_name="Mette Hansen",
        guardian_phone=GUARDIAN,
    )
    y.language = youth_language
    m = await factories.mentor(session, email=MENTOR_EMAIL)
    await add_contact(session, y, "sms", YOUTH_PHONE, verified=True)
    await add_contact(session, m, "telegram", MENTOR_CHAT, verified=True)
    from mentoring.matches import accept_match, create_match

    match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
    await accept_match(session, match.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
    return y, m, match.id


async def _pending_followups(runtime: Runtime, match_id: int) -> list[str]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(FollowUp.kind).where(
                FollowUp.match_id == match_id, FollowUp.state == FollowUpState.PENDING
            )
        )
        return sorted(rows)


async def test_guardian_no_by_sms_cancels_the_meeting_holds_followups_and_tells_the_mentor(
    runtime: Runtime,
) -> None:
    pair = await _minor_pair(runtime)
    before = await _pending_followups(runtime, pair.match_id)
    assert "meeting_reminder" in before and "checkin" in before

    assert "Vi har noteret, at du er imod" in await pair.guardian.text("nej")

    told = await pair.mentor.text()
    assert "Dit mentorforløb med Sara er sat på pause lige nu" in told
    assert "Mødet tirsdag d. 1. december kl. 16.00 er aflyst" in told
    assert "forælder" not in told and "værge" not in told  # never the reason
    async with runtime.sessions() as session:
        meeting = await session.get(Meeting, pair.meeting_id)
        assert meeting is not None and meeting.status == MeetingStatus.CANCELLED
        cancel = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "meeting_invite_cancelled")
        )
        assert cancel is not None and cancel.address == MENTOR_EMAIL
        items = list(await session.scalars(select(InboxItem)))
        assert [(i.kind, i.match_id) for i in items] == [("guardian_objection", pair.match_id)]
    assert await _pending_followups(runtime, pair.match_id) == []

    # A week on, the sweep sends the pair nothing: no reminder, no check-in, no nudge.
    later = NOW + timedelta(days=50)
    await sweep(runtime, later)
    assert await pair.mentor.text() == ""
    assert await pair.youth.text() == ""

    # The mentor cannot plan around the hold.
    refused = await pair.mentor.text("MØDE fredag kl 15")
    assert "Jeres mentorforløb er sat på pause lige nu" in refused


async def test_paused_youth_reaches_the_coordinator_by_sms_without_a_start_loop(
    runtime: Runtime,
) -> None:
    pair = await _minor_pair(runtime)
    await pair.guardian.send("NEJ")
    start = await pair.youth.text("start")
    assert "Din forælder eller værge har sagt nej" in start
    assert "Skriv SKRIV og din besked" in start and "Skriv START" not in start
    write = await pair.youth.text("skriv")
    assert "Skriv din besked til koordinatoren" in write
    sent = await pair.youth.text("hvorfor må jeg ikke være med mere?? 😢")
    assert "din besked er sendt til koordinatoren" in sent
    # Whatever else they write is offered to the coordinator, and "ja" sends it.
    offer = await pair.youth.text("hej kan jeg stadig mødes med henrik")
    assert "Skal jeg sende det, du skrev, til koordinatoren?" in offer and "Svar JA" in offer
    assert "din besked er sendt til koordinatoren" in await pair.youth.text("ja tak")
    assert "intet er sendt" in (await pair.youth.text("jeg er sur") + await pair.youth.text("nej"))
    async with runtime.sessions() as session:
        bodies = list(
            await session.scalars(
                select(InboxItem.body).where(InboxItem.kind == "message").order_by(InboxItem.id)
            )
        )
        statuses = list(
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.address == YOUTH_PHONE)
            )
        )
    assert bodies == [
        "hvorfor må jeg ikke være med mere?? 😢",
        "hej kan jeg stadig mødes med henrik",
    ]
    # Every answer the paused youth got is one the dispatcher lets through.
    from messaging.delivery import PAUSED_ALLOWED

    async with runtime.sessions() as session:
        templates = set(
            await session.scalars(
                select(OutboxMessage.template).where(OutboxMessage.address == YOUTH_PHONE)
            )
        )
    assert templates <= PAUSED_ALLOWED, templates - PAUSED_ALLOWED
    assert all(s == OutboxStatus.PENDING for s in statuses)


async def test_paused_youth_on_telegram_in_english_gets_a_write_button(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y, _m, _match = await _people(session, "en")
        await add_contact(session, y, "telegram", "8001", verified=True)
    youth = Chat(runtime, channel="telegram", address="8001")
    await Chat(runtime, channel="sms", address=GUARDIAN).send("Nej!")
    [answer] = await youth.send("/start")
    assert "Your parent or guardian has said no" in (answer.body or "")
    assert [o["key"] for o in answer.options] == ["write"]
    assert "Write your message to the coordinator" in await youth.text(option="write")
    assert "has been sent to the coordinator" in await youth.text("can I still see Henrik")


async def test_guardian_yes_lifts_the_pause_and_the_pair_goes_on(runtime: Runtime) -> None:
    pair = await _minor_pair(runtime)
    await pair.guardian.send("NEJ")
    await pair.mentor.replies()
    lifted = await pair.guardian.text("JA")
    assert "du ikke længere er imod" in lifted
    assert "Godt nyt: Dit mentorforløb med Sara kan fortsætte" in await pair.mentor.text()
    assert "Velkommen tilbage" in await pair.youth.text()
    pending = await _pending_followups(runtime, pair.match_id)
    assert "checkin" in pending and "no_meeting" in pending
    confirmed = await pair.mentor.text("MØDE fredag kl 15 på biblioteket")
    assert "fredag d. 27. november kl. 15.00" in confirmed
    async with runtime.sessions() as session:
        sara = await session.get(Person, pair.youth_id)
        assert sara is not None and sara.status == "active"


async def test_coordinator_lifts_the_pause_on_the_person_page(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    from tests.browser.seed import seed

    await seed(runtime, NOW)
    async with runtime.sessions() as session, session.begin():
        y, _m, match_id = await _people(session, "da")
    pair_youth = Chat(runtime, channel="sms", address=YOUTH_PHONE)
    mentor = Chat(runtime, channel="telegram", address=MENTOR_CHAT)
    await Chat(runtime, channel="sms", address=GUARDIAN).send("nej")
    await mentor.replies()
    async with TestClient(TestServer(create_app(runtime))) as client:
        page = await client.get("/login")
        token = CSRF.search(await page.text())
        assert token is not None
        await client.post(
            "/login",
            data={"csrf": token.group(1), "email": EMAIL, "password": PASSWORD, "next": "/"},
        )
        person = await client.get(f"/people/{y.id}")
        html = await person.text()
        assert "En forælder eller værge er imod" in html and "Ophæv pausen" in html
        token = CSRF.search(html)
        assert token is not None
        done = await client.post(f"/people/{y.id}/lift-objection", data={"csrf": token.group(1)})
        assert "Pausen er ophævet" in await done.text()
    assert "kan fortsætte" in await mentor.text()
    assert "Velkommen tilbage" in await pair_youth.text()
    assert "checkin" in await _pending_followups(runtime, match_id)
    async with runtime.sessions() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
        held = await session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.state == "held")
        )
    assert {"guardian.objected", "pair.held", "guardian.objection_lifted"} <= actions
    assert held == 0
