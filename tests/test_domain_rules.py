"""The domain rules of the foundation, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.companies import register_company
from mentoring.errors import DomainError
from mentoring.hours import report_hours
from mentoring.matches import close_match, create_match
from mentoring.meetings import (
    cancel_meeting,
    confirm_meeting,
    mark_held,
    propose_meeting,
    reschedule_meeting,
)
from mentoring.openings import register_job_opening
from mentoring.outcomes import register_outcome
from mentoring.people import YouthForm, register_youth
from storage.models import ContactPoint, Youth
from tests import factories
from tests.conftest import COPENHAGEN, NOW


async def test_register_youth_normalises_phone_and_picks_target_group(
    session: AsyncSession,
) -> None:
    person = await factories.youth(session, NOW, phone="22 33 44 55", email="Sara@Example.DK")
    youth = await session.get(Youth, person.id)
    assert youth is not None and youth.target_group == "g1"
    points = {(c.channel, c.address) for c in await session.scalars(select(ContactPoint))}
    assert points == {("sms", "+4522334455"), ("email", "Sara@example.dk")}


@pytest.mark.parametrize(
    ("birth_year", "situation", "extra", "key"),
    [
        (1995, "unemployed", {}, "age_out_of_range"),
        (2012, "unemployed", {}, "age_out_of_range"),
        (2010, "unemployed", {}, "situation_does_not_fit_age"),
        (2010, "school_under_18", {}, "guardian_required"),
        (2004, "unemployed", {"target_group": "g0"}, "target_group_does_not_fit_age"),
        (2004, "unemployed", {"phone": "1234"}, "invalid_phone"),
        (2004, "unemployed", {"email": "not-an-address"}, "invalid_email"),
        (2004, "unemployed", {"interests": ["astrology"]}, "unknown_interest"),
    ],
)
async def test_register_youth_refuses_broken_rules_with_a_message_key(
    session: AsyncSession, birth_year: int, situation: str, extra: dict[str, object], key: str
) -> None:
    prog = await factories.programme(session)
    form = YouthForm(first_name="Ali", birth_year=birth_year, situation=situation)
    for name, value in extra.items():
        setattr(form, name, value)
    with pytest.raises(DomainError) as caught:
        await register_youth(session, prog.id, form, now=NOW)
    assert caught.value.key == key


async def test_under_18_is_group_0_with_guardian(session: AsyncSession) -> None:
    person = await factories.youth(
        session,
        NOW,
        birth_year=2010,
        situation="school_under_18",
        guardian_name="Mette",
        guardian_phone="+45 40 11 22 33",
    )
    youth = await session.get(Youth, person.id)
    assert youth is not None
    assert (youth.target_group, youth.guardian_phone) == ("g0", "+4540112233")


async def test_match_respects_capacity_and_one_open_match_per_youth(session: AsyncSession) -> None:
    mentor = await factories.mentor(session, capacity=1)
    first = await factories.youth(session, NOW, first_name="Sara")
    second = await factories.youth(session, NOW, first_name="Omar")
    await create_match(session, first.id, mentor.id, now=NOW, tz=COPENHAGEN)
    with pytest.raises(DomainError) as full:
        await create_match(session, second.id, mentor.id, now=NOW, tz=COPENHAGEN)
    assert full.value.key == "mentor_full"
    other = await factories.mentor(session, first_name="Lone", company_name="Netto")
    with pytest.raises(DomainError) as twice:
        await create_match(session, first.id, other.id, now=NOW, tz=COPENHAGEN)
    assert twice.value.key == "youth_already_matched"


async def test_unapproved_mentor_cannot_be_matched(session: AsyncSession) -> None:
    mentor = await factories.mentor(session, approved=False)
    youth = await factories.youth(session, NOW)
    with pytest.raises(DomainError) as caught:
        await create_match(session, youth.id, mentor.id, now=NOW, tz=COPENHAGEN)
    assert caught.value.key == "mentor_not_approved"


async def test_accepted_match_runs_three_months(session: AsyncSession) -> None:
    _, _, match = await factories.active_pair(session, NOW)
    assert (match.status, match.starts_on, match.ends_on) == (
        "active",
        date(2026, 11, 26),
        date(2027, 2, 26),
    )


async def test_meeting_lifecycle_confirm_reschedule_cancel(session: AsyncSession) -> None:
    youth, mentor, match = await factories.active_pair(session, NOW)
    at = NOW + timedelta(days=5)
    meeting = await propose_meeting(
        session, match.id, youth.id, at, "Café Paradis", now=NOW, tz=COPENHAGEN
    )
    with pytest.raises(DomainError) as own:
        await confirm_meeting(session, meeting.id, youth.id, now=NOW, tz=COPENHAGEN)
    assert own.value.key == "cannot_confirm_own_proposal"
    await confirm_meeting(session, meeting.id, mentor.id, now=NOW, tz=COPENHAGEN)
    assert meeting.status == "confirmed"
    await reschedule_meeting(
        session, meeting.id, mentor.id, at + timedelta(days=1), None, now=NOW, tz=COPENHAGEN
    )
    assert (meeting.status, meeting.sequence, meeting.place) == ("proposed", 1, "Café Paradis")
    await cancel_meeting(session, meeting.id, youth.id, now=NOW, tz=COPENHAGEN)
    assert meeting.status == "cancelled"


async def test_meeting_in_the_past_is_refused(session: AsyncSession) -> None:
    youth, _, match = await factories.active_pair(session, NOW)
    with pytest.raises(DomainError) as caught:
        await propose_meeting(
            session, match.id, youth.id, NOW - timedelta(hours=1), None, now=NOW, tz=COPENHAGEN
        )
    assert caught.value.key == "meeting_in_past"


async def test_hours_add_up_for_the_month_against_three_hours(session: AsyncSession) -> None:
    youth, mentor, match = await factories.active_pair(session, NOW)
    meeting = await propose_meeting(
        session, match.id, youth.id, NOW + timedelta(hours=2), None, now=NOW, tz=COPENHAGEN
    )
    later = NOW + timedelta(hours=4)
    await mark_held(session, meeting.id, True, now=later, tz=COPENHAGEN)
    total = await report_hours(
        session, match.id, 90, reported_by=youth.id, today=later.date(), now=later
    )
    assert (total.minutes, total.met) == (90, False)
    total = await report_hours(
        session, match.id, 90, reported_by=mentor.id, today=later.date(), now=later
    )
    assert (total.minutes, total.met, total.missing_minutes) == (180, True, 0)
    for minutes, key in ((0, "hours_not_positive"), (13 * 60, "hours_too_many")):
        with pytest.raises(DomainError) as caught:
            await report_hours(
                session, match.id, minutes, reported_by=youth.id, today=later.date(), now=later
            )
        assert caught.value.key == key


async def test_close_match_early_keeps_reason(session: AsyncSession) -> None:
    _, _, match = await factories.active_pair(session, NOW)
    await close_match(session, match.id, "no_contact", now=NOW, today=NOW.date(), tz=COPENHAGEN)
    assert (match.status, match.end_reason) == ("ended_early", "no_contact")


async def test_company_cvr_check_digit_and_job_opening(session: AsyncSession) -> None:
    prog = await factories.programme(session)
    with pytest.raises(DomainError) as caught:
        await register_company(session, prog.id, "Forkert ApS", cvr="12345678")
    assert caught.value.key == "invalid_cvr"
    company = await register_company(session, prog.id, "Rigtig A/S", cvr="DK 1234 5674")
    assert company.cvr == "12345674"
    opening = await register_job_opening(session, company.id, "smaajob", NOW.date())
    assert opening.kind == "smaajob"
    with pytest.raises(DomainError):
        await register_job_opening(session, company.id, "dream_job", NOW.date())


async def test_outcome_uses_lookup_categories(session: AsyncSession) -> None:
    youth, _, _ = await factories.active_pair(session, NOW)
    outcome = await register_outcome(session, youth.id, "education", NOW.date(), source="survey")
    assert outcome.target_group == "g1"
    with pytest.raises(DomainError) as caught:
        await register_outcome(session, youth.id, "lottery", NOW.date(), source="survey")
    assert caught.value.key == "unknown_outcome"
