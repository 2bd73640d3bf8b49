"""A pair's conversation: the mentor accepts, meetings are proposed and confirmed with Danish
read-back, counter-proposals, cancelling, hours, check-in, closure and the outcome survey."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.introductions import introduce
from mentoring.matches import create_match
from mentoring.prompts import ask
from storage.models import (
    CheckinAnswer,
    ContactPoint,
    FollowUp,
    HoursReport,
    InboxItem,
    Match,
    Meeting,
    Outcome,
)
from tests.conftest import COPENHAGEN, NOW
from tests.factories import active_pair, mentor, youth
from tests.fakes.chat import Chat
from tests.runtime import make_runtime


@pytest.fixture
def runtime(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Runtime:
    return make_runtime(engine, NOW, sessions)


async def _pair(runtime: Runtime) -> tuple[Chat, Chat, int]:
    async with runtime.sessions() as session, session.begin():
        y, m, match = await active_pair(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel="web", address="y"))
        session.add(ContactPoint(person_id=m.id, channel="web", address="m"))
    return Chat(runtime, address="y"), Chat(runtime, address="m"), match.id


async def test_match_introduction_mentor_accepts_and_youth_sees_mentor(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y = await youth(session, NOW, first_name="Amira", interests=["it"], area="Vejle")
        m = await mentor(session, role_title="Værkfører")
        session.add(ContactPoint(person_id=y.id, channel="web", address="y"))
        session.add(ContactPoint(person_id=m.id, channel="web", address="m"))
        match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
        await introduce(session, runtime.renderer, match.id, now=NOW)
    mentor_chat, youth_chat = Chat(runtime, address="m"), Chat(runtime, address="y")
    [offer] = await mentor_chat.replies()
    assert "Amira, 22 år" in (offer.body or "") and "IT og computere" in (offer.body or "")
    assert "Vejle" in (offer.body or "")
    assert [o["key"] for o in offer.options] == ["yes", "no"]
    assert "Du er nu mentor for Amira" in await mentor_chat.text(option="yes")
    welcome = "\n".join(m.body or "" for m in await youth_chat.replies())
    assert "Vi har fundet din mentor: Henrik" in welcome
    assert "Værkfører hos Tømrerfirmaet Jensen ApS" in welcome
    async with runtime.sessions() as session:
        row = await session.get(Match, match.id)
        assert row is not None and row.status == "active" and row.starts_on == NOW.date()


async def test_match_decline_asks_for_a_reason(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y = await youth(session, NOW)
        m = await mentor(session)
        session.add(ContactPoint(person_id=m.id, channel="web", address="m"))
        match = await create_match(session, y.id, m.id, now=NOW, tz=COPENHAGEN)
        await introduce(session, runtime.renderer, match.id, now=NOW)
    chat = Chat(runtime, address="m")
    await chat.replies()
    assert "Må vi spørge hvorfor?" in await chat.text("nej")
    assert "Vi finder et andet match" in await chat.text("Jeg har for travlt lige nu")
    async with runtime.sessions() as session:
        row = await session.get(Match, match.id)
        assert row is not None and row.status == "declined"
        assert row.decline_reason == "Jeg har for travlt lige nu"


async def test_meeting_proposed_in_text_and_confirmed_with_one_tap(runtime: Runtime) -> None:
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    proposed = await youth_chat.text("MØDE tirsdag 15.00 på Café Paradis")
    assert "tirsdag d. 1. december kl. 15.00 på Café Paradis" in proposed
    [question] = await mentor_chat.replies()
    assert "Sara foreslår et møde tirsdag d. 1. december kl. 15.00" in (question.body or "")
    confirmed = await mentor_chat.text(option="yes")
    assert "Mødet er bekræftet: tirsdag d. 1. december kl. 15.00 på Café Paradis" in confirmed
    assert "Mødet er bekræftet" in "".join(m.body or "" for m in await youth_chat.replies())
    async with runtime.sessions() as session:
        meeting = await session.scalar(select(Meeting))
        assert (
            meeting is not None and meeting.status == "confirmed" and meeting.match_id == match_id
        )


async def test_meeting_slots_counter_proposal_decline_and_cancel(runtime: Runtime) -> None:
    youth_chat, mentor_chat, _ = await _pair(runtime)
    [slots] = await mentor_chat.send("møde")
    assert slots.options[0]["key"] == "s:202611271500"
    assert "Hvor skal I mødes?" in await mentor_chat.text(option="s:202611271500")
    await mentor_chat.send("spring over")
    assert "fredag d. 27. november kl. 15.00" in await youth_chat.text()
    assert "Skal jeg foreslå Henrik et møde lørdag" in await youth_chat.text(
        "kan ikke, men lørdag kl 11"
    )
    counter = await youth_chat.text("ja")
    assert "Du har foreslået et møde lørdag d. 28. november kl. 11.00" in counter
    assert "Sara foreslår et møde lørdag d. 28. november kl. 11.00" in await mentor_chat.text()
    assert "mødet bliver ikke til noget" in await mentor_chat.text("nej")
    assert "Henrik kan ikke mødes" in await youth_chat.text()
    await mentor_chat.send("MØDE søndag kl 12 i parken")
    assert "søndag d. 29. november kl. 12.00 i parken" in await youth_chat.text()
    assert "Mødet er bekræftet" in await youth_chat.text("JA")
    assert "Skal jeg aflyse mødet søndag d. 29. november" in await mentor_chat.text("aflys")
    assert "er aflyst" in await mentor_chat.text("ja")
    assert "Henrik har aflyst mødet søndag d. 29. november kl. 12.00" in await youth_chat.text()
    async with runtime.sessions() as session:
        statuses = sorted(m.status for m in await session.scalars(select(Meeting)))
        assert statuses == ["cancelled", "declined"]


async def test_hours_reported_anytime_show_the_month_total(runtime: Runtime) -> None:
    youth_chat, _, _ = await _pair(runtime)
    first = await youth_chat.text("/timer 2")
    assert "2 timer er gemt" in first and "2 af 3 timer" in first and "1 time mangler" in first
    second = await youth_chat.text("90 min")
    assert "3,5 af 3 timer" in second and "I har nået målet" in second
    async with runtime.sessions() as session:
        minutes = [h.minutes for h in await session.scalars(select(HoursReport))]
        assert minutes == [120, 90]


async def test_meeting_held_answer_then_hours(runtime: Runtime) -> None:
    youth_chat, _, match_id = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        meeting = Meeting(match_id=match_id, starts_at=NOW.replace(hour=7), status="confirmed")
        session.add(meeting)
        await session.flush()
        y = (await session.get(Match, match_id)).youth_id  # type: ignore[union-attr]
        await ask(
            session,
            runtime.renderer,
            y,
            "meeting_held",
            {"meeting_id": meeting.id},
            "meeting_held_again",
            now=NOW,
        )
    await youth_chat.replies()
    assert "Hvor mange timer" in await youth_chat.text("ja")
    assert "1,5 timer er gemt" in await youth_chat.text("1,5")
    async with runtime.sessions() as session:
        held = await session.scalar(select(Meeting))
        report = await session.scalar(select(HoursReport))
        assert held is not None and held.status == "held"
        assert report is not None and report.meeting_id == held.id and report.minutes == 90


async def test_checkin_closure_and_outcome_answers_are_stored(runtime: Runtime) -> None:
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        await ask(
            session,
            runtime.renderer,
            match.youth_id,
            "checkin",
            {"match_id": match_id},
            "score_again",
            now=NOW,
        )
        await ask(
            session,
            runtime.renderer,
            match.mentor_id,
            "closure",
            {"match_id": match_id},
            "score_again",
            now=NOW,
        )
    await youth_chat.send("2")
    assert "Tak for dit svar" in await youth_chat.text("Vi ses for sjældent")
    await mentor_chat.send(option="5")
    await mentor_chat.send(option="skip")
    assert "gerne vil fortsætte" in await mentor_chat.text("ja")
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        await ask(
            session,
            runtime.renderer,
            match.youth_id,
            "outcome_survey",
            {"youth_id": match.youth_id},
            "outcome_again",
            now=NOW,
        )
    await youth_chat.replies()
    assert "Det hjælper os meget" in await youth_chat.text("2")
    async with runtime.sessions() as session:
        answers = {a.kind: a for a in await session.scalars(select(CheckinAnswer))}
        assert answers["checkin"].score == 2 and answers["checkin"].comment == "Vi ses for sjældent"
        assert answers["closure"].score == 5 and answers["closure"].wants_extension is True
        kinds = sorted(i.kind for i in await session.scalars(select(InboxItem)))
        assert kinds == ["extension", "low_score"]
        outcome = await session.scalar(select(Outcome))
        assert (
            outcome is not None
            and outcome.category == "ordinary_job"
            and outcome.source == "survey"
        )


async def test_a_score_typed_as_a_word_counts_also_without_danish_letters(
    runtime: Runtime,
) -> None:
    """The words are the words catalogues' (templates/locales/*/words.yaml): "daarligt" typed
    on a phone without å is "dårligt", 1; "Super!" is 5."""
    youth_chat, mentor_chat, match_id = await _pair(runtime)
    async with runtime.sessions() as session, session.begin():
        match = await session.get(Match, match_id)
        assert match is not None
        for person in (match.youth_id, match.mentor_id):
            await ask(
                session, runtime.renderer, person, "checkin", {"match_id": match_id},
                "score_again", now=NOW,
            )  # fmt: skip
    await youth_chat.send("daarligt")
    await mentor_chat.send("Super!")
    async with runtime.sessions() as session:
        scores = {a.person_id: a.score for a in await session.scalars(select(CheckinAnswer))}
        match = await session.get(Match, match_id)
    assert match is not None
    assert scores == {match.youth_id: 1, match.mentor_id: 5}


async def test_unsure_flag_stop_and_start(runtime: Runtime) -> None:
    youth_chat, _, match_id = await _pair(runtime)
    assert "Din mentor får det ikke at vide" in await youth_chat.text("usikker")
    assert "sat alle beskeder til dig på pause" in await youth_chat.text("stop")
    assert "Skriv START" in await youth_chat.text("hej")
    assert "Velkommen tilbage" in await youth_chat.text("start")
    async with runtime.sessions() as session:
        match = await session.get(Match, match_id)
        item = await session.scalar(select(InboxItem))
        assert match is not None and match.unsure_flag_at is not None
        assert item is not None and item.kind == "unsure"


async def test_pair_on_sms_uses_keywords_for_meetings_and_hours(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        y, m, _ = await active_pair(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel="sms", address="+4520000001"))
        session.add(ContactPoint(person_id=m.id, channel="sms", address="+4520000002"))
    youth_sms = Chat(runtime, channel="sms", address="+4520000001")
    mentor_sms = Chat(runtime, channel="sms", address="+4520000002")
    await mentor_sms.send("MØDE tirsdag 15.00 Café X")
    question = await youth_sms.text()
    assert "Henrik foreslår et møde tirsdag d. 1. december kl. 15.00 på Café X" in question
    assert question.endswith("Svar JA eller NEJ.")
    assert "Mødet er bekræftet: tirsdag d. 1. december kl. 15.00" in await youth_sms.text("JA")
    assert "2 timer er gemt" in await youth_sms.text("TIMER 2")
    assert "Skal jeg sende det til Henrik?" in await youth_sms.text("bla bla")
    assert "jeg sender det ikke" in await youth_sms.text("nej")
    assert "Skriv fx MØDE tirsdag 15, TIMER 2 eller HJÆLP." in await youth_sms.text("hmm")


async def test_a_programme_in_another_time_zone_plans_its_reminders_in_that_zone(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """settings.timezone is the programme's zone, not Copenhagen: the mentor who says yes at
    22:00 in New York (04:00 the next day in Copenhagen) starts the pair on New York's date, and
    its check-in, closure and no-meeting check go out at 10:00 New York time."""
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Wednesday 25 November, 22:00 there
    runtime = make_runtime(engine, evening, sessions, timezone="America/New_York")
    async with runtime.sessions() as session, session.begin():
        y = await youth(session, evening, first_name="Amira")
        m = await mentor(session)
        session.add(ContactPoint(person_id=m.id, channel="web", address="m"))
        match = await create_match(session, y.id, m.id, now=evening, tz=new_york)
        await introduce(session, runtime.renderer, match.id, now=evening)
    mentor_chat = Chat(runtime, address="m")
    await mentor_chat.replies()
    assert "Du er nu mentor for Amira" in await mentor_chat.text(option="yes")
    async with runtime.sessions() as session:
        row = await session.get(Match, match.id)
        rows = await session.scalars(select(FollowUp).where(FollowUp.match_id == match.id))
        due = {f.kind: f.due_at for f in rows if f.person_id in (None, m.id)}
    assert row is not None and row.starts_on == date(2026, 11, 25)
    assert row.ends_on == date(2027, 2, 25)  # the programme's three months
    assert due["checkin"] == datetime(2027, 1, 6, 10, 0, tzinfo=new_york)  # six weeks on
    assert due["checkin"] == datetime(2027, 1, 6, 15, 0, tzinfo=UTC)
    assert due["closure"] == datetime(2027, 2, 25, 10, 0, tzinfo=new_york)
    assert due["no_meeting"] == datetime(2026, 12, 9, 10, 0, tzinfo=new_york)  # 14 days on
