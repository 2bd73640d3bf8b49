"""Sign-up through the conversation engine: youths in at most 10 answers, mentors by invitation
or open sign-up, phone verification, and everything a person can get wrong on the way."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from storage.models import (
    Base,
    Consent,
    ContactPoint,
    ConversationState,
    Coordinator,
    InboxItem,
    Invitation,
    Mentor,
    OutboxMessage,
    Person,
    Screening,
    Youth,
)
from tests.conftest import NOW
from tests.factories import programme
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _youth_signup(chat: Chat, answers: list[str]) -> str:
    last = await chat.text("/start")
    for answer in answers:
        last = await chat.text(answer)
    return last


async def test_youth_signup_under_18_on_telegram_takes_ten_answers(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="telegram", address="7001")
    welcome = await chat.text("/start")
    assert "Telegram-chats er ikke end-to-end-krypterede" in welcome
    assert "Vi gemmer kun det, vi skal bruge" in welcome
    answers = 0
    for reply in [
        ("yes", None),
        (None, "Sara"),
        (None, "17"),
        ("sit:school_under_18", None),
        (None, "1 3 og skateboard"),
        (None, "1 7"),
        (None, "7100 Vejle"),
        ("skip", None),
        (None, "Mette Hansen 20 30 40 50"),
    ]:
        option, said = reply
        await chat.send(said, option=option)
        answers += 1
    summary = chat.log[-1].body or ""
    assert "Interesser: IT og computere, Byggeri, skateboard" in summary
    assert "Hjælp til: Jobsøgning, Sociale færdigheder" in summary
    assert "Forælder eller værge: Mette Hansen" in summary
    done = await chat.text(option="yes")
    answers += 1
    assert answers <= 10
    assert "Vi leder nu efter din mentor" in done
    async with runtime.sessions() as session:
        person = await session.scalar(select(Person).where(Person.first_name == "Sara"))
        assert person is not None and person.role == "youth" and person.status == "active"
        youth = await session.get(Youth, person.id)
        assert youth is not None
        assert (youth.birth_year, youth.target_group, youth.postcode) == (2009, "g0", "7100")
        assert youth.interests == ["it", "construction"] and youth.interests_text == "skateboard"
        assert youth.topics == ["job_search", "social_skills"] and youth.topics_text is None
        assert youth.guardian_phone == "+4520304050" and youth.guardian_informed_at is not None
        consent = await session.scalar(select(Consent).where(Consent.person_id == person.id))
        assert consent is not None and consent.kind == "share_with_mentor"
        guardian_sms = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "privacy_guardian_informed")
        )
        assert guardian_sms is not None and guardian_sms.channel == "sms"
        assert "Sara er tilmeldt" in (guardian_sms.body or "")
        state = await session.get(ConversationState, person.id)
        assert state is not None and state.flow is None


async def test_youth_signup_by_sms_shows_choices_as_words(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="sms", address="+4522334455")
    consent = await chat.text("Hej")
    assert consent.endswith("Svar JA eller NEJ.")
    await chat.text("ja")
    await chat.text("Omar")
    situation = await chat.text("22")
    assert "1: Uden job" in situation and "Svar med et tal." in situation
    assert "mere end et år i træk" in await chat.text("1")
    await chat.text("3")  # don't know
    topics = await chat.text("2")
    assert "Hvad vil du gerne have hjælp til?" in topics and "8: Andet" in topics
    await chat.text("2")
    summary = await chat.text("8000")
    assert "Telefon: +4522334455" in summary
    assert "Vi leder nu efter din mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert (
            youth is not None and youth.situation == "unemployed" and youth.interests == ["retail"]
        )


async def test_youth_signup_verifies_a_phone_number_before_using_it(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="telegram", address="7002")
    for said in ["/start", "ja", "Emma", "20", "1", "nej", "2", "1", "Vejle"]:
        await chat.send(said)
    ask = await chat.text("20 30 40 51")
    assert "kode på 4 cifre" in ask
    async with runtime.sessions() as session:
        code_msg = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "verify_code")
        )
        point = await session.scalar(select(ContactPoint).where(ContactPoint.channel == "sms"))
    assert code_msg is not None and code_msg.address == "+4520304051" and code_msg.dedupe_key
    assert point is not None and not point.verified
    code = (code_msg.body or "")[-4:]
    wrong = "0000" if code != "0000" else "1111"
    assert "Koden passer ikke" in await chat.text(wrong)
    assert "dit nummer er bekræftet" in await chat.text(code)
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.channel == "sms"))
        assert point is not None and point.verified


async def _sign_up_invited_mentor(runtime: Runtime, code: str) -> str:
    chat = Chat(runtime, channel="telegram", address="8001")
    assert "9 korte spørgsmål" in await chat.text(f"/start {code}", start=code)
    for said in ["Henrik Jensen", "Tømrerfirmaet Jensen ApS 12345674", "Værkfører"]:
        await chat.send(said)
    await chat.send(option="i:construction")
    await chat.send("7100 Vejle")
    await chat.send(option="c:2")
    await chat.send("dansk og engelsk")
    summary = await chat.text("Hverdage efter 15")
    assert "Virksomhed: Tømrerfirmaet Jensen ApS (CVR 12345674)" in summary
    assert "sprog: dansk, engelsk" in summary.lower()
    return await chat.text("ja")


async def test_mentor_signup_by_screened_invitation_is_approved_with_the_screening_kept(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        prog = await programme(session)
        coordinator = Coordinator(email="k@example.dk", password_hash="x")
        session.add(coordinator)
        await session.flush()
        session.add(
            Invitation(
                programme_id=prog.id,
                code="inv-abc123",
                created_by=coordinator.id,
                checks=["straffeattest", "interview"],
                checked_on=date(2026, 11, 20),
            )
        )
    assert "Du er skrevet op som mentor" in await _sign_up_invited_mentor(runtime, "inv-abc123")
    async with runtime.sessions() as session:
        mentor = await session.scalar(select(Mentor))
        invitation = await session.scalar(select(Invitation))
        screenings = list(await session.scalars(select(Screening).order_by(Screening.check_kind)))
        assert mentor is not None and mentor.approval == "approved" and mentor.capacity == 2
        assert mentor.languages == ["da", "en"] and mentor.role_title == "Værkfører"
        assert invitation is not None and invitation.used_by == mentor.person_id
    assert [(s.check_kind, s.checked_on, s.checked_by, s.mentor_id) for s in screenings] == [
        ("interview", date(2026, 11, 20), coordinator.id, mentor.person_id),
        ("straffeattest", date(2026, 11, 20), coordinator.id, mentor.person_id),
    ]


async def test_mentor_signup_by_invitation_without_screening_waits_for_approval(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        prog = await programme(session)
        session.add(Invitation(programme_id=prog.id, code="inv-abc123"))
    assert "godkende dig som mentor" in await _sign_up_invited_mentor(runtime, "inv-abc123")
    async with runtime.sessions() as session:
        mentor = await session.scalar(select(Mentor))
        assert mentor is not None and mentor.approval == "pending"
        assert await session.scalar(select(Screening)) is None


async def test_mentor_open_signup_waits_for_approval(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="web", address="sim-m")
    assert "koordinatoren kontakter dig" in await chat.text("mentor")
    for said in ["Lone", "Bageriet", "Ejer", "2", "8000", "1", "dansk", "Weekender"]:
        await chat.send(said)
    assert "godkende dig som mentor" in await chat.text("ja")
    async with runtime.sessions() as session:
        mentor = await session.scalar(select(Mentor))
        assert mentor is not None and mentor.approval == "pending" and mentor.industry == "retail"


async def test_engine_ignores_a_repeated_update(runtime: Runtime) -> None:
    incoming = Incoming("telegram", "9001", text="/start")
    assert await process(runtime, incoming, dedupe=("telegram", "555"))
    assert not await process(runtime, incoming, dedupe=("telegram", "555"))
    async with runtime.sessions() as session:
        count = len(list(await session.scalars(select(OutboxMessage))))
    assert count == 2  # welcome + consent question, once


async def test_engine_speaks_english_from_the_telegram_language_hint(runtime: Runtime) -> None:
    chat = Chat(runtime, channel="telegram", address="9002", language_hint="en-GB")
    assert "May we share your first name" in await chat.text("/start")
    assert "What is your first name?" in await chat.text("yes")
    assert "skriver på dansk" in await chat.text("dansk")


async def test_engine_answers_media_politely_and_offers_the_coordinator_after_three_misses(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, channel="telegram", address="9003")
    await chat.send("/start")
    assert "kan kun læse tekst" in await chat.text(media=True)
    await chat.send("ja")
    await chat.send("Ali")
    assert "Skriv din alder som et tal" in await chat.text("gammel nok")
    await chat.send("ved ikke")
    third = await chat.text("hmm")
    assert "Vil du hellere skrive til koordinatoren?" in third
    assert "Tak, din besked er sendt" in (
        await chat.text("skriv") and await chat.text("Jeg har brug for hjælp")
    )
    assert "Hvor gammel er du?" in chat.log[-1].body  # type: ignore[operator]
    async with runtime.sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None and item.kind == "message" and item.body == "Jeg har brug for hjælp"


CPR = "010190-1234"


async def test_cpr_number_is_refused_and_leaves_no_trace(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat = Chat(runtime, channel="sms", address="+4522110099")
    await chat.send("Hej")
    await chat.send("ja")
    refused = await chat.text(f"Sara {CPR}")
    assert "Skriv ikke dit CPR-nummer her" in refused
    await chat.send("skriv")
    assert "CPR-nummer" in await chat.text(f"mit cpr er {CPR.replace('-', '')}")
    await chat.send("Sara")
    digits = {CPR, CPR.replace("-", ""), "0101901234"}
    async with runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            for row in rows:
                blob = " ".join(str(v) for v in row)
                assert not any(d in blob for d in digits), f"CPR found in {table.name}"
        assert (await session.execute(text("SELECT count(*) FROM inbound_keys"))).scalar_one() > 0
    assert not any(d in caplog.text for d in digits)


async def test_youth_signup_guardian_by_email_and_a_clear_second_try(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runtime = make_runtime(engine, NOW, sessions, secret_key="a-test-secret-that-is-long-enough")
    chat = Chat(runtime, address="sim-minor-email")
    await chat.text("/start")
    for option, said in [("yes", None), (None, "Sara"), (None, "17"),
                         ("sit:school_under_18", None), (None, "1"), (None, "2"),
                         (None, "7100 Vejle"),
                         ("skip", None)]:  # fmt: skip
        asked = await chat.text(said, option=option)
    assert "Skriv deres navn og telefonnummer eller e-mail" in asked
    bad_email = await chat.text("Mette Hansen mette@@mail")
    assert "Den e-mailadresse ser ikke rigtig ud" in bad_email
    assert "fx Mette Hansen 20 30 40 50 eller Mette Hansen mette@mail.dk" in bad_email
    no_name = await chat.text("20 30 40 50")
    assert "Skriv et navn og et dansk telefonnummer eller en e-mail" in no_name
    summary = await chat.text("Mette Hansen <Mette@Mail.DK>")
    assert "Forælder eller værge: Mette Hansen" in summary
    await chat.text(option="yes")
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert youth is not None
        assert (youth.guardian_name, youth.guardian_phone, youth.guardian_email) == (
            "Mette Hansen", None, "Mette@mail.dk"
        )  # fmt: skip
    assert "Navn og e-mailadresse på en forælder eller værge" in await chat.text("mine data")


async def test_youth_who_answers_the_consent_question_with_something_else_is_asked_yes_or_no(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, channel="sms", address="+4522334466")
    await chat.text("Hej")
    again = await chat.text("jeg hedder mia og er 17")
    assert again.startswith("Først bare ja eller nej: Må vi dele dit fornavn")
    assert again.endswith("Svar JA eller NEJ.")
    assert "Hvad er dit fornavn?" in await chat.text("ja")
