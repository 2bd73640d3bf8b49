"""Events through the domain and the conversation engine, on SQLite and PostgreSQL: a mentor
training invitation answered by SMS, its reminder the day before, an e-mail invitation with its
calendar invite and RSVP link answered on the RSVP page, attendance, and an opening the event
produced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from core.statuses import EventKind, FollowUpState, Rsvp
from mentoring import event_invitations, events, signup_codes
from mentoring.companies import register_company
from mentoring.people import add_contact
from mentoring.report import build_report, write_report
from mentoring.sweep import sweep
from messaging.email import Mailer
from messaging.email_sender import EmailSender
from storage.models import EventGuest, FollowUp, JobOpening, Mentor, OutboxMessage
from tests import factories
from tests.conftest import COPENHAGEN
from tests.email_helpers import email_runtime
from tests.fakes.chat import Chat
from tests.runtime import FakeClock
from tests.smtp_server import smtp_server
from web.app import create_app

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10.00 in Copenhagen
TRAINING_AT = datetime(2026, 12, 1, 16, 0, tzinfo=COPENHAGEN)  # Tuesday 16.00
HENRIK, LONE = "+4540112233", "+4540112244"


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = email_runtime(db_url, tmp_path)
    rt.clock = FakeClock(NOW)
    yield rt
    await rt.close()


async def training(runtime: Runtime) -> tuple[int, int, int]:
    """A mentor training; Henrik (SMS and e-mail) and Lone (SMS) are approved mentors."""
    async with runtime.transaction() as s:
        henrik = await factories.mentor(
            s, "Henrik", phone=HENRIK, email="henrik@firma.dk", company_name="Byg ApS"
        )
        lone = await factories.mentor(s, "Lone", phone=LONE, company_name="Kode ApS")
        programme = await factories.programme(s)
        event = await events.create_event(
            s,
            programme.id,
            events.EventFields(
                EventKind.MENTOR_TRAINING, "Mentortræning", TRAINING_AT, 120, "Jobcentret, lokale 2"
            ),
            created_by=None,
        )
        return event.id, henrik.id, lone.id


async def outbox(runtime: Runtime, person_id: int | None = None) -> list[OutboxMessage]:
    async with runtime.sessions() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if person_id is not None:
            query = query.where(OutboxMessage.person_id == person_id)
        return list(await s.scalars(query))


async def guest_of(runtime: Runtime, event_id: int, person_id: int) -> EventGuest:
    async with runtime.sessions() as s:
        guest = await s.scalar(
            select(EventGuest).where(
                EventGuest.event_id == event_id, EventGuest.person_id == person_id
            )
        )
        assert guest is not None
        return guest


async def text(runtime: Runtime, number: str, body: str) -> None:
    await process(runtime, Incoming(channel="sms", address=number, text=body))


async def test_events_training_invitation_answered_by_sms_reply_and_reminded_the_day_before(
    runtime: Runtime,
) -> None:
    event_id, henrik, lone = await training(runtime)
    async with runtime.transaction() as s:
        reached = await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [henrik, lone], now=NOW, tz=COPENHAGEN
        )
    assert reached == 2
    [sms, mail] = await outbox(runtime, henrik)
    assert (sms.channel, sms.address, mail.channel) == ("sms", HENRIK, "email")
    assert "Mentortræning tirsdag d. 1. december kl. 16.00" in (sms.body or "")
    assert "Svar JA eller NEJ" in (sms.body or "")

    await text(runtime, HENRIK, "ja tak, det glæder jeg mig til 👍")
    await text(runtime, LONE, "nej desværre")
    assert (await guest_of(runtime, event_id, henrik)).rsvp == Rsvp.YES
    assert (await guest_of(runtime, event_id, lone)).rsvp == Rsvp.NO
    henrik_reply = (await outbox(runtime, henrik))[-1]
    assert henrik_reply.template == "event_rsvp_thanks" and "Vi ses" in (henrik_reply.body or "")

    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    clock.now = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)  # Monday 9.59: not yet
    await sweep(runtime)
    assert [m.template for m in await outbox(runtime, henrik)].count("event_reminder") == 0
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10.00, the day before
    await sweep(runtime)
    reminders = [m for m in await outbox(runtime) if m.template == "event_reminder"]
    assert [m.person_id for m in reminders] == [henrik]  # Lone said no
    assert "i morgen" in (reminders[0].body or "") and "lokale 2" in (reminders[0].body or "")
    async with runtime.sessions() as s:
        rows = {
            fu.person_id: fu.state
            for fu in await s.scalars(select(FollowUp).where(FollowUp.kind == "event_reminder"))
        }
    assert rows == {henrik: FollowUpState.DONE, lone: FollowUpState.DROPPED}


async def test_events_reminder_waits_for_allowed_hours_and_asks_again_who_has_not_answered(
    runtime: Runtime,
) -> None:
    """An event on a Monday: the day before is a Sunday, so the reminder goes Monday morning
    at 08.00, and a mentor who has not answered is asked again and can still say yes."""
    event_id, henrik, _ = await training(runtime)
    monday = datetime(2026, 11, 30, 17, 0, tzinfo=COPENHAGEN)
    async with runtime.transaction() as s:
        event = await events.get_event(s, event_id)
        event.starts_at = monday
        await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [henrik], now=NOW, tz=COPENHAGEN
        )
    async with runtime.sessions() as s:
        [row] = await s.scalars(select(FollowUp).where(FollowUp.kind == "event_reminder"))
    assert row.due_at.astimezone(COPENHAGEN) == datetime(2026, 11, 30, 8, 0, tzinfo=COPENHAGEN)
    await text(runtime, HENRIK, "hvad er det?")  # not an answer: asked again
    assert (await guest_of(runtime, event_id, henrik)).rsvp is None
    assert (await outbox(runtime, henrik))[-1].template == "event_invitation_again"

    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    clock.now = row.due_at
    await sweep(runtime)
    reminder = (await outbox(runtime, henrik))[-1]
    assert reminder.template == "event_reminder" and "Svar JA eller NEJ" in (reminder.body or "")
    await text(runtime, HENRIK, "JA")
    assert (await guest_of(runtime, event_id, henrik)).rsvp == Rsvp.YES


async def deliver(runtime: Runtime, message: OutboxMessage) -> EmailMessage:
    with smtp_server() as (port, inbox, _):
        settings = runtime.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        )
        sender = EmailSender(
            settings, runtime.sessions, runtime.renderer, Mailer(settings), runtime.clock
        )
        await sender.send(message)
    [(rcpt, email)] = inbox.messages
    assert rcpt == [message.address]
    return email


async def test_events_email_invitation_carries_the_invite_and_a_link_answered_maybe_then_yes(
    runtime: Runtime,
) -> None:
    event_id, _, _ = await training(runtime)
    async with runtime.transaction() as s:
        company = await register_company(s, (await factories.programme(s)).id, "Vejle Stål A/S")
        guest = await event_invitations.invite_by_email(
            s, runtime.renderer, event_id, "Karin Holm", "Karin@Vejlestaal.dk", now=NOW,
            company_id=company.id,
        )  # fmt: skip
        guest_id = guest.id
    [message] = await outbox(runtime)
    email = await deliver(runtime, message)
    assert email["To"] == "Karin@vejlestaal.dk"  # the domain tidied
    assert "Invitation: Mentortræning" in email["Subject"]
    text_part = email.get_body(("plain",))
    assert text_part is not None
    body = text_part.get_content()
    assert "Hej Karin Holm!" in body and "Jobcentret, lokale 2" in body
    link = next(w for w in body.split() if "/links/event/" in w)
    calendar = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    [vevent] = Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert str(vevent["uid"]).startswith(f"event-{event_id}@")
    assert vevent["dtstart"].dt == TRAINING_AT
    assert str(vevent["summary"]) == "Mentortræning"

    path = link.removeprefix("https://mentor.example.dk")
    async with TestClient(TestServer(create_app(runtime))) as client:
        page = await client.get(path)
        assert page.status == 200
        assert "Kommer du?" in await page.text()
        assert (await guest_by_id(runtime, guest_id)).rsvp is None  # a GET changes nothing
        await client.post(path, data={"answer": "maybe"})
        assert (await guest_by_id(runtime, guest_id)).rsvp == Rsvp.MAYBE
        answered = await client.post(path, data={"answer": "yes"})
        assert "Vi glæder os til at se dig" in await answered.text()
        assert (await guest_by_id(runtime, guest_id)).rsvp == Rsvp.YES
        forged = await client.get(path[:-3] + "abc")
        assert forged.status == 403

        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        clock.now = TRAINING_AT + timedelta(hours=3)  # over: the link no longer answers
        late = await client.post(path, data={"answer": "no"})
        assert late.status == 410
    assert (await guest_by_id(runtime, guest_id)).rsvp == Rsvp.YES


async def guest_by_id(runtime: Runtime, guest_id: int) -> EventGuest:
    async with runtime.sessions() as s:
        guest = await s.get(EventGuest, guest_id)
        assert guest is not None
        return guest


async def test_events_attendance_and_an_opening_the_event_produced(runtime: Runtime) -> None:
    event_id, henrik, lone = await training(runtime)
    async with runtime.transaction() as s:
        await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [henrik, lone], now=NOW, tz=COPENHAGEN
        )
        event = await events.get_event(s, event_id)
        walk_in = await events.add_guest(s, event, "Ole Sørensen", email="ole@byg.dk")
        henrik_guest = await guest_of_in(s, event_id, henrik)
        came = await events.record_attendance(s, event_id, {henrik_guest, walk_in.id})
        company = await register_company(s, (await factories.programme(s)).id, "Vejle Stål A/S")
        opening = await events.opening_from_event(s, event_id, company.id, "praktik", NOW.date())
        opening_id = opening.id
    assert came == 2
    async with runtime.sessions() as s:
        [row] = await events.events_of(s, (await factories.programme(s)).id)
        stored = await s.get(JobOpening, opening_id)
    assert (row.invited, row.attended) == (2, 2)  # the walk-in was not invited
    assert stored is not None and (stored.event_id, stored.origin) == (event_id, "event")


async def guest_of_in(s: AsyncSession, event_id: int, person_id: int) -> int:
    found = await s.scalar(
        select(EventGuest.id).where(
            EventGuest.event_id == event_id, EventGuest.person_id == person_id
        )
    )
    assert found is not None
    return found


async def test_events_report_has_a_sheet_per_event_kind_with_participants_companies_openings(
    runtime: Runtime, tmp_path: Path
) -> None:
    """A company event: 3 guests invited, 1 walk-in; Henrik (Byg ApS), Karin (Vejle Stål) and
    the walk-in Ole (Byg ApS) came, so 3 participants from 2 companies; 2 openings came of it.
    The mentor training: nobody came, 1 invited. A cancelled event is left out."""
    event_id, henrik, _ = await training(runtime)
    async with runtime.transaction() as s:
        programme = await factories.programme(s)
        mentor = await s.get(Mentor, henrik)
        assert mentor is not None and mentor.company_id is not None
        byg = mentor.company_id
        staal = await register_company(s, programme.id, "Vejle Stål A/S")
        fair = await events.create_event(
            s, programme.id,
            events.EventFields(EventKind.COMPANY_EVENT, "Virksomhedsdag", NOW + timedelta(days=2)),
            created_by=None,
        )  # fmt: skip
        gone = await events.create_event(
            s, programme.id,
            events.EventFields(EventKind.COMPANY_EVENT, "Aflyst", NOW + timedelta(days=3)),
            created_by=None,
        )  # fmt: skip
        gone.cancelled_at = NOW
        await event_invitations.invite_mentors(
            s, runtime.renderer, fair.id, [henrik], now=NOW, tz=COPENHAGEN
        )
        await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [henrik], now=NOW, tz=COPENHAGEN
        )
        karin = await event_invitations.invite_by_email(
            s, runtime.renderer, fair.id, "Karin", "karin@staal.dk", now=NOW, company_id=staal.id
        )
        await event_invitations.invite_by_email(
            s, runtime.renderer, fair.id, "Jens", "jens@staal.dk", now=NOW, company_id=staal.id
        )
        ole = await events.add_guest(s, fair, "Ole", company_id=byg)
        await events.answer(s, karin.id, Rsvp.YES, NOW)
        present = {karin.id, ole.id, await guest_of_in(s, fair.id, henrik)}
        await events.record_attendance(s, fair.id, present)
        for kind in ("praktik", "ordinary_job"):
            await events.opening_from_event(s, fair.id, staal.id, kind, NOW.date())
        fair_id = fair.id
    _, sheets = await build_report(runtime, date(2026, 11, 1), date(2026, 12, 31))
    by_key = {sheet.key: sheet for sheet in sheets}
    assert [k for k in by_key if k.startswith("events_")] == [
        "events_company_event",
        "events_mentor_training",
    ]
    fair_sheet = by_key["events_company_event"]
    assert fair_sheet.header[6:10] == [
        "Deltagere", "Virksomheder til stede", "Jobåbninger skabt", "Mentorer rekrutteret",
    ]  # fmt: skip
    assert fair_sheet.rows == [
        [fair_id, "Virksomhedsdag", date(2026, 11, 28), None, 3, 1, 3, 2, 2, 0]
    ]
    assert by_key["events_mentor_training"].rows == [
        [event_id, "Mentortræning", date(2026, 12, 1), "Jobcentret, lokale 2", 1, 0, 0, 0, 0, 0]
    ]
    out = tmp_path / "udvalg.xlsx"
    await write_report(runtime, date(2026, 11, 1), date(2026, 12, 31), out)
    names = openpyxl.load_workbook(out).sheetnames
    assert [n for n in names if n in ("Virksomhedsarrangementer", "Mentoruddannelser")] == [
        "Virksomhedsarrangementer",
        "Mentoruddannelser",
    ]


async def test_events_training_invitation_on_telegram_in_english_answered_by_a_button(
    runtime: Runtime,
) -> None:
    event_id, _, _ = await training(runtime)
    async with runtime.transaction() as s:
        amir = await factories.mentor(s, "Amir", language="en", company_name="Trans ApS")
        await add_contact(s, amir, "telegram", "7001", verified=True)
        amir_id = amir.id
        await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [amir_id], now=NOW, tz=COPENHAGEN
        )
    [invitation] = await outbox(runtime, amir_id)
    assert invitation.channel == "telegram"
    assert "You are invited to Mentortræning Tuesday 1 December at 16:00" in (invitation.body or "")
    assert [o["key"] for o in invitation.options] == ["yes", "no"]
    await process(runtime, Incoming(channel="telegram", address="7001", option="no"))
    assert (await guest_of(runtime, event_id, amir_id)).rsvp == Rsvp.NO
    assert "Maybe next time" in ((await outbox(runtime, amir_id))[-1].body or "")


async def test_events_mentor_who_texts_the_event_code_signs_up_and_counts_as_recruited(
    runtime: Runtime,
) -> None:
    event_id, _, _ = await training(runtime)
    async with runtime.sessions() as s:
        code = await signup_codes.code_of(s, await events.get_event(s, event_id))
    assert code is not None and len(code) == 6
    chat = Chat(runtime, channel="sms", address="+4529998877")
    assert "koordinatoren kontakter dig" in await chat.text(code.lower())  # typed in lowercase
    for said in ["Pia", "Bageriet", "Ejer", "2", "8000", "1", "dansk", "Weekender"]:
        await chat.send(said)
    assert "godkende dig som mentor" in await chat.text("ja")
    youth = Chat(runtime, channel="sms", address="+4520001122")
    await youth.text("hej")  # an ordinary first text is no code
    async with runtime.transaction() as s:
        event = await events.get_event(s, event_id)
        assert [p.first_name for p in await signup_codes.recruited_by(s, event)] == ["Pia"]
    _, sheets = await build_report(runtime, date(2026, 11, 1), date(2026, 12, 31))
    [training_sheet] = [sheet for sheet in sheets if sheet.key == "events_mentor_training"]
    assert training_sheet.rows[0][-1] == 1  # mentors recruited


async def test_events_moved_event_sends_the_updated_invite_and_moves_the_reminder(
    runtime: Runtime,
) -> None:
    event_id, henrik, _ = await training(runtime)
    async with runtime.transaction() as s:
        await event_invitations.invite_mentors(
            s, runtime.renderer, event_id, [henrik], now=NOW, tz=COPENHAGEN
        )
        await event_invitations.invite_by_email(
            s, runtime.renderer, event_id, "Karin", "karin@staal.dk", now=NOW
        )
    later = TRAINING_AT + timedelta(days=2)  # Thursday 3 December
    async with runtime.transaction() as s:
        await events.change_event(
            s,
            event_id,
            events.EventFields(EventKind.MENTOR_TRAINING, "Mentortræning", later, 120, "Lokale 3"),
        )
        told = await event_invitations.tell_guests_it_moved(
            s, runtime.renderer, event_id, now=NOW, tz=COPENHAGEN
        )
    assert told == 2
    moved = [m for m in await outbox(runtime, henrik) if m.template == "event_moved"]
    assert [m.channel for m in moved] == ["sms"]
    assert "torsdag d. 3. december kl. 16.00" in (moved[0].body or "")
    async with runtime.sessions() as s:
        [reminder] = await s.scalars(select(FollowUp).where(FollowUp.kind == "event_reminder"))
    assert reminder.due_at.astimezone(COPENHAGEN) == datetime(2026, 12, 2, 10, 0, tzinfo=COPENHAGEN)
    karin = [m for m in await outbox(runtime) if m.address == "karin@staal.dk"]
    keys = [m.dedupe_key or "" for m in karin]
    assert [k.rsplit(":", 1)[1] for k in keys] == ["0", "1"]  # the invite, then its SEQUENCE 1
    email = await deliver(runtime, karin[1])
    calendar = next(p for p in email.walk() if p.get_content_type() == "text/calendar")
    [vevent] = Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert (int(vevent["sequence"]), vevent["dtstart"].dt) == (1, later)
    assert str(vevent["location"]) == "Lokale 3"
