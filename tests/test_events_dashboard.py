"""The events and groups pages over HTTP: a viewer (the steering group, the Task Force) reads
the events list, the action list and the targets page but no guests, no members' contact
details and no change; a CPR number typed into an event's form is refused; changes are audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.statuses import EventKind
from mentoring import events, groups
from mentoring.companies import add_contact_person, register_company
from mentoring.coordinators import add_coordinator
from storage.models import AuditEntry, Event, EventGuest, OutboxMessage
from tests import factories
from tests.conftest import NOW
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)

VIEWER, VIEWER_PASSWORD = "styregruppe@kommune.example.dk", "laese-adgang-123"


async def meeting_with_an_action(dash: Dashboard) -> int:  # noqa: F811
    async with dash.runtime.transaction() as s:
        programme = await factories.programme(s)
        member = await groups.add_member(
            s,
            programme.id,
            groups.MemberFields("task_force", "Birgitte Lund", "Direktør", email="bl@lund.dk"),
        )
        meeting = await events.create_event(
            s,
            programme.id,
            events.EventFields(EventKind.TASK_FORCE, "Task Force-møde", NOW + timedelta(days=3)),
            created_by=None,
        )
        await groups.add_action(
            s, meeting.id, "Ringe til 20 virksomheder", "", due_on=None, member_id=member.id
        )
        await add_coordinator(s, VIEWER, VIEWER_PASSWORD, role="viewer")
        return meeting.id


async def test_viewer_reads_events_actions_and_targets_but_no_guests_contacts_or_changes(
    dash: Dashboard,  # noqa: F811
) -> None:
    meeting = await meeting_with_an_action(dash)
    token = await dash.csrf()
    await dash.client.post(
        "/login",
        data={"csrf": token, "email": VIEWER, "password": VIEWER_PASSWORD, "next": "/"},
    )
    listing = await dash.client.get("/events")
    assert listing.status == 200
    text = await listing.text()
    assert "Task Force-møde" in text and f'href="/events/{meeting}"' not in text
    assert 'action="/events"' not in text  # no form to create one
    actions = await dash.client.get("/actions")
    assert actions.status == 200
    text = await actions.text()
    assert "Ringe til 20 virksomheder" in text and "Birgitte Lund" in text
    assert "/done" not in text
    targets = await dash.client.get("/group-targets")
    assert targets.status == 200 and "bl@lund.dk" not in await targets.text()
    for path in ("/groups", f"/events/{meeting}"):
        assert (await dash.client.get(path)).status == 403, path
    csrf = await dash.csrf("/events")
    made = await dash.client.post(
        "/events",
        data={"csrf": csrf, "kind": "company_event", "title": "x", "day": "2026-12-01",
              "time": "10:00", "duration_minutes": "60"},
    )  # fmt: skip
    assert made.status == 403


async def test_coordinator_event_form_refuses_a_cpr_number_and_audits_a_change(
    dash: Dashboard,  # noqa: F811
) -> None:
    assert await dash.login() == 303
    form = {"kind": "company_event", "day": "2026-12-01", "time": "10:00",
            "duration_minutes": "60"}  # fmt: skip
    refused = await dash.post("/events", {**form, "title": "Møde med 010203-1234"}, page="/events")
    assert "CPR" in refused
    page = await dash.post("/events", {**form, "title": "Virksomhedsdag"}, page="/events")
    assert "Arrangementet er oprettet" in page
    async with dash.runtime.sessions() as s:
        titles = list(await s.scalars(select(Event.title)))
        audit = list(await s.scalars(select(AuditEntry.action)))
    assert titles == ["Virksomhedsdag"] and "event_created" in audit


async def test_coordinator_invites_a_companys_contact_persons_from_the_ledger(
    dash: Dashboard,  # noqa: F811
) -> None:
    async with dash.runtime.transaction() as s:
        programme = await factories.programme(s)
        company = await register_company(s, programme.id, "Vejle Stål A/S")
        karin = await add_contact_person(s, company, "Karin Holm", email="karin@staal.dk")
        await add_contact_person(s, company, "Jens uden mail", phone="+4520304050")
        fair = await events.create_event(
            s,
            programme.id,
            events.EventFields(EventKind.COMPANY_EVENT, "Virksomhedsdag", NOW + timedelta(days=2)),
            created_by=None,
        )
        fair_id, karin_id = fair.id, karin.id
    assert await dash.login() == 303
    page = await (await dash.client.get(f"/events/{fair_id}")).text()
    assert "Karin Holm (Vejle Stål A/S)" in page and "Jens uden mail" not in page
    done = await dash.post(
        f"/events/{fair_id}/invite-contacts", {"contact_id": str(karin_id)}, f"/events/{fair_id}"
    )
    assert "1 invitation er på vej" in done
    assert f'id="contact-{karin_id}"' not in done  # on the guest list now, not offered again
    async with dash.runtime.sessions() as s:
        [guest] = await s.scalars(select(EventGuest))
        [mail] = await s.scalars(select(OutboxMessage))
    assert (guest.name, guest.company_id) == ("Karin Holm", company.id)
    assert (mail.channel, mail.address) == ("email", "karin@staal.dk")


async def test_coordinator_invites_the_task_force_and_sets_a_member_inactive(
    dash: Dashboard,  # noqa: F811
) -> None:
    """Birgitte is the Task Force's one active member with an e-mail: inviting the group to
    its meeting invites her; set inactive, she is left out of the next group invitation."""
    meeting = await meeting_with_an_action(dash)
    assert await dash.login() == 303
    where = f"/events/{meeting}"
    page = await dash.post(f"{where}/invite-group", {"group": "task_force"}, page=where)
    assert "1 invitation er på vej" in page
    async with dash.runtime.sessions() as s:
        member = await s.scalar(select(groups.GroupMember))
    assert member is not None
    page = await dash.post(f"/groups/{member.id}/active", {"active": "no"}, page="/groups")
    assert "Klaret." in page
    async with dash.runtime.sessions() as s:
        member = await s.scalar(select(groups.GroupMember))
        audit = list(
            await s.execute(
                select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.details)
                .where(AuditEntry.action != "login")
                .order_by(AuditEntry.id)
            )
        )
    assert member is not None and member.active is False
    assert [tuple(a) for a in audit] == [
        ("event_group_invited", meeting, {"group": "task_force"}),
        ("group_member_active", member.id, {"active": False}),
    ]
