"""Everyday actions from the dashboard with their consequences: a youth added by hand (asked by
SMS to confirm), a mentor not approved (told kindly, the reason kept for us)."""

from __future__ import annotations

from sqlalchemy import select

from core.statuses import Approval
from storage.models import AuditEntry, Consent, Mentor, OutboxMessage, Person, Youth
from tests.fakes.chat import Chat
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)

MIA = {
    "first_name": "Mia",
    "birth_year": "2004",
    "situation": "unemployed",
    "phone": "22 44 66 88",
    "postcode": "8000",
    "interest": "it",
    "language": "da",
}


async def test_youth_added_by_hand_is_asked_by_sms_and_her_yes_records_the_consent(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    page = await dash.post("/youths/new", MIA, "/youths/new")
    assert "Mia er skrevet op" in page
    async with dash.runtime.sessions() as s:
        mia = await s.scalar(select(Person).where(Person.first_name == "Mia"))
        assert mia is not None
        youth = await s.get(Youth, mia.id)
        invite = (await s.scalars(select(OutboxMessage))).one()
        consents = (await s.scalars(select(Consent).where(Consent.person_id == mia.id))).all()
    assert youth is not None and youth.target_group == "g1" and youth.interests == ["it"]
    assert consents == []
    assert (invite.channel, invite.address, invite.template) == (
        "sms",
        "+4522446688",
        "added_by_hand_invite",
    )
    assert (invite.body or "").startswith("Hej Mia! Mette, din koordinator i Erhvervsmentor")
    assert "Svar JA eller NEJ" in (invite.body or "")

    answer = await Chat(dash.runtime, channel="sms", address="+4522446688").text("ja tak")
    assert "Vi finder en mentor til dig" in answer
    async with dash.runtime.sessions() as s:
        consent = await s.scalar(select(Consent).where(Consent.person_id == mia.id))
    assert consent is not None and consent.kind == "share_with_mentor"


async def test_youth_under_18_added_by_hand_needs_a_guardian_like_at_sign_up(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    young = {**MIA, "first_name": "Alma", "birth_year": "2010", "situation": "school_under_18"}
    page = await dash.post("/youths/new", young, "/youths/new")
    assert 'role="alert"' in page
    async with dash.runtime.sessions() as s:
        assert await s.scalar(select(Person).where(Person.first_name == "Alma")) is None
        assert (await s.scalars(select(OutboxMessage))).all() == []
    with_guardian = {**young, "guardian_name": "Lone", "guardian_relation": "mother",
                     "guardian_phone": "22 55 77 99"}  # fmt: skip
    assert "Alma er skrevet op" in await dash.post("/youths/new", with_guardian, "/youths/new")


async def test_youth_added_by_hand_with_a_cpr_number_is_refused(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    page = await dash.post("/youths/new", {**MIA, "email": "0102031234@x.dk"}, "/youths/new")
    assert "CPR" in page
    async with dash.runtime.sessions() as s:
        assert await s.scalar(select(Person).where(Person.first_name == "Mia")) is None


async def test_mentor_not_approved_is_told_kindly_without_the_reason(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    page = await dash.post(
        f"/mentors/{dash.data.peter}/reject", {"reason": "Børneattesten kom ikke"}, "/mentors"
    )
    assert "Mentoren er ikke godkendt og har fået besked" in page
    async with dash.runtime.sessions() as s:
        mentor = await s.get(Mentor, dash.data.peter)
        told = (await s.scalars(select(OutboxMessage))).one()
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "mentor_rejected"))
    assert mentor is not None and mentor.approval == Approval.REJECTED
    assert told.person_id == dash.data.peter and "Efter vores screening" in (told.body or "")
    assert "Børneattest" not in (told.body or "")
    assert audit is not None and audit.details == {"reason": "Børneattesten kom ikke"}
