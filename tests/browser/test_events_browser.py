"""Events and the Task Force in a real browser: create an event, invite mentors and a company's
contact person, take down a registration, tick who came, register an opening the event produced,
answer the RSVP link, and keep a Task Force meeting's minutes and actions. Every page is checked
with axe-core (no serious or critical violation) and at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from core.statuses import EventKind, Rsvp
from messaging.email_sender import event_rsvp_link
from storage.models import Event, EventAction, EventGuest, JobOpening, OutboxMessage
from tests.browser.axe import assert_accessible, assert_fits
from tests.browser.test_dashboard_browser import Live, log_in

pytestmark = pytest.mark.browser


async def checked(page: Page) -> None:
    await assert_accessible(page)
    await assert_fits(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_browser_event_invitations_answers_attendance_and_an_opening(live: Live) -> None:
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/events")
    await log_in(page)
    await expect(page.get_by_role("heading", name="Arrangementer", exact=True)).to_be_visible()
    await checked(page)

    await page.get_by_label("Type").select_option(EventKind.MENTOR_TRAINING.value)
    await page.get_by_label("Titel").fill("Mentoruddannelse december")
    await page.get_by_label("Dato").fill("2026-12-01")
    await page.get_by_label("Klokkeslæt").fill("16:00")
    await page.get_by_label("Sted").fill("Jobcentret, lokale 2")
    await page.get_by_role("button", name="Opret arrangementet").click()
    await expect(page.get_by_role("status")).to_contain_text("Arrangementet er oprettet")
    await expect(page).to_have_url(re.compile(r"/events/\d+$"))
    await expect(page.get_by_text("tirsdag d. 1. december kl. 16.00").first).to_be_visible()
    await expect(page.get_by_text("Tilmeldingskode for mentorer")).to_be_visible()
    await checked(page)

    await page.get_by_label("Henrik").check()
    await page.get_by_label("Lone (Kode & Co ApS)").check()
    await page.get_by_role("button", name="Inviter de valgte mentorer").click()
    await expect(page.get_by_role("status")).to_contain_text("2 invitationer er på vej")

    await page.get_by_label("Navn", exact=True).first.fill("Karin Holm")
    await page.get_by_label("E-mail", exact=True).fill("karin@vejlestaal.dk")
    await page.get_by_role("button", name="Send invitationen").click()
    await expect(page.get_by_role("status")).to_contain_text("1 invitation er på vej")

    await page.locator("#reg-name").fill("Ole Sørensen")
    await page.get_by_role("button", name="Tilmeld").click()
    await expect(page.get_by_role("status")).to_contain_text("Tilmeldingen er gemt")
    guests = page.get_by_role("table").first
    await expect(guests.get_by_role("row")).to_have_count(5)  # heading + 4 guests
    await expect(guests.get_by_role("row", name=re.compile("Ole Sørensen"))).to_contain_text(
        "tilmeldt"
    )

    await page.get_by_label("Henrik kom").check()
    await page.get_by_label("Ole Sørensen kom").check()
    await page.get_by_role("button", name="Gem hvem der kom").click()
    await expect(page.get_by_role("status")).to_contain_text("Fremmøde gemt: 2 kom")
    await expect(page.get_by_label("Henrik kom")).to_be_checked()
    await expect(page.get_by_label("Lone kom")).not_to_be_checked()

    await page.get_by_label("Virksomhed", exact=True).last.select_option(label="Kode & Co ApS")
    await page.locator("#opening-kind").select_option("praktik")
    await page.get_by_role("button", name="Registrer jobåbningen").click()
    await expect(page.get_by_role("status")).to_contain_text("Jobåbningen er registreret")
    await expect(page.get_by_role("heading", name="1 jobåbning")).to_be_visible()

    async with live.runtime.sessions() as s:
        event = (await s.scalars(select(Event))).one()
        guests_rows = {g.name: g for g in await s.scalars(select(EventGuest))}
        opening = (await s.scalars(select(JobOpening))).one()
        sent = [(m.person_id, m.channel) for m in await s.scalars(select(OutboxMessage))]
    assert {n for n, g in guests_rows.items() if g.attended} == {"Henrik", "Ole Sørensen"}
    assert (opening.event_id, opening.origin) == (event.id, "event")
    assert (live.data.henrik, "sms") in sent and (None, "email") in sent

    link = event_rsvp_link(live.runtime.settings, event, guests_rows["Karin Holm"].id)
    guest_page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await guest_page.goto(live.base + "/" + link.split("/", 3)[3])  # the path of the e-mail's link
    await expect(
        guest_page.get_by_role("heading", name="Mentoruddannelse december")
    ).to_be_visible()
    await checked(guest_page)
    await guest_page.get_by_role("button", name="Måske").click()
    await expect(guest_page.get_by_role("status")).to_contain_text("Giv besked")
    await checked(guest_page)
    async with live.runtime.sessions() as s:
        karin = await s.get(EventGuest, guests_rows["Karin Holm"].id)
    assert karin is not None and karin.rsvp == Rsvp.MAYBE

    await page.reload()
    await expect(
        page.get_by_role("row", name=re.compile("Karin Holm")).get_by_text("Måske")
    ).to_be_visible()
    await page.get_by_role("link", name="Alle arrangementer").click()
    row = page.get_by_role("row", name=re.compile("Mentoruddannelse december"))
    await expect(row.get_by_role("cell")).to_have_text(
        ["Mentoruddannelse", re.compile("1. december"), "3", "1", "2"]
    )  # invited: Henrik, Lone, Karin; coming: Ole (registered at the desk); came: Henrik, Ole


async def test_browser_task_force_meeting_minutes_and_action_list(live: Live) -> None:
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/groups")
    await log_in(page)
    await checked(page)
    await page.get_by_label("Gruppe", exact=True).select_option("task_force")
    await page.get_by_label("Navn", exact=True).fill("Birgitte Lund")
    await page.get_by_label("Rolle").fill("Direktør")
    await page.get_by_label("E-mail", exact=True).fill("bl@lundbyg.dk")
    await page.get_by_role("button", name="Tilføj medlemmet").click()
    await expect(page.get_by_role("status")).to_contain_text("Medlemmet er tilføjet")
    await expect(page.get_by_role("row", name=re.compile("Birgitte Lund"))).to_contain_text(
        "Direktør"
    )

    await page.goto(f"{live.base}/events")
    await page.get_by_label("Type").select_option(EventKind.TASK_FORCE.value)
    await page.get_by_label("Titel").fill("Task Force, første møde")
    await page.get_by_label("Dato").fill("2026-12-03")
    await page.get_by_role("button", name="Opret arrangementet").click()
    await page.get_by_label("Gruppe", exact=True).select_option("task_force")
    await page.get_by_role("button", name="Inviter gruppen").click()
    await expect(page.get_by_role("status")).to_contain_text("1 invitation er på vej")

    await page.get_by_label("Referat", exact=True).fill(
        "Vi aftalte at finde 20 virksomheder til To Care or Not."
    )
    await page.get_by_role("button", name="Gem referatet").click()
    await expect(page.get_by_label("Referat", exact=True)).to_have_value(
        re.compile("20 virksomheder")
    )
    await page.get_by_label("Hvad", exact=True).fill("Ringe til 20 virksomheder")
    await page.get_by_label("Ansvarlig (medlem)").select_option(label="Birgitte Lund")
    await page.get_by_label("Frist", exact=True).fill("2026-12-20")
    await page.get_by_role("button", name="Tilføj handlingen").click()
    await page.get_by_label("Hvad", exact=True).fill("Bestille lokale")
    await page.get_by_label("Eller ansvarlig ved navn").fill("Mette")
    await page.get_by_label("Frist", exact=True).fill("2026-11-20")
    await page.get_by_role("button", name="Tilføj handlingen").click()
    await checked(page)

    await page.goto(f"{live.base}/actions")
    await checked(page)
    rows = page.get_by_role("row")
    await expect(rows.nth(1)).to_contain_text("Bestille lokale")  # the earlier due date first
    await expect(rows.nth(1)).to_contain_text("over fristen")
    await expect(rows.nth(2)).to_contain_text("Birgitte Lund")
    await page.get_by_role("button", name='Markér "Bestille lokale" som udført').click()
    await expect(rows.nth(1)).to_contain_text("Ringe til 20 virksomheder")
    await expect(rows.nth(2)).to_contain_text("udført 26.11.2026")
    async with live.runtime.sessions() as s:
        done = {a.text: a.done_on for a in await s.scalars(select(EventAction))}
    assert done["Ringe til 20 virksomheder"] is None and done["Bestille lokale"] is not None

    await page.goto(f"{live.base}/group-targets")
    await expect(page.get_by_role("heading", name="Forløbets mål")).to_be_visible()
    await expect(page.get_by_text("bl@lundbyg.dk")).to_have_count(0)
    await checked(page)
