"""The companies' ledger, job openings and outreach in a real browser: register a company by
CVR and a duplicate without one, log a contact, merge the duplicate, filter the list, and refer
a youth from the caseworker's form. Every page is checked with axe-core (no serious or critical
violation) and at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from storage.models import Company, OutboxMessage
from tests.browser.axe import assert_accessible, assert_fits
from tests.browser.test_dashboard_browser import Live, log_in

pytestmark = pytest.mark.browser


async def checked(page: Page) -> None:
    await assert_accessible(page)
    await assert_fits(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_browser_companies_are_registered_by_cvr_logged_and_merged(live: Live) -> None:
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/companies")
    await log_in(page)
    await expect(page.get_by_role("heading", name="Virksomheder", exact=True)).to_be_visible()
    await checked(page)

    await page.locator("#name").fill("Bager Hansen ApS")
    await page.locator("#cvr").fill("DK 2531 3704")
    await page.locator("#partner_kind").select_option("code_of_care")
    await page.get_by_role("button", name="Registrér virksomheden").click()
    await expect(page.get_by_role("status")).to_be_visible()
    await page.locator("#name").fill("Bager Hansen")
    await page.locator("#first_contact_on").fill("")
    await page.get_by_role("button", name="Registrér virksomheden").click()
    await expect(page.get_by_role("link", name="Bager Hansen", exact=True)).to_be_visible()

    await page.get_by_role("link", name="Bager Hansen", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/companies/\d+$"))
    await page.locator("#contacted_on").fill("2026-11-20")
    await page.locator("#channel").select_option("phone")
    await page.locator("#outcome").fill("Vil gerne have en praktikant")
    await page.get_by_role("button", name="Gem kontakten").click()
    await expect(page.get_by_role("status")).to_contain_text("Kontakten er skrevet ned.")
    await expect(page.get_by_text("Vil gerne have en praktikant")).to_be_visible()
    await checked(page)

    await page.get_by_role("link", name="Alle virksomheder").click()
    await page.get_by_role("link", name="Bager Hansen ApS").click()
    await page.locator("#duplicate_id").select_option(label="Bager Hansen")
    await page.get_by_role("button", name="Læg sammen med denne virksomhed").click()
    await expect(page.get_by_role("status")).to_contain_text("Bager Hansen er lagt sammen")
    await expect(page.get_by_text("Vil gerne have en praktikant")).to_be_visible()
    await checked(page)
    async with live.runtime.sessions() as s:
        names = list(await s.scalars(select(Company.name).where(Company.name.like("Bager%"))))
    assert names == ["Bager Hansen ApS"]

    await page.goto(f"{live.base}/companies?show=no_result")
    await expect(page.get_by_role("link", name="Bager Hansen ApS")).to_be_visible()
    await checked(page)
    # The quick filter kept, the partnership filter added by keyboard: only the partner is left.
    await page.get_by_label("Partnerskab", exact=True).select_option("yes")
    await page.get_by_role("button", name="Vis", exact=True).press("Enter")
    await expect(page).to_have_url(re.compile(r"show=no_result&partner=yes"))
    await expect(page.get_by_role("link", name="Bager Hansen ApS")).to_be_visible()
    await expect(page.get_by_role("link", name="Tømrerfirmaet Jensen ApS")).to_have_count(0)
    await checked(page)
    await page.goto(f"{live.base}/openings")
    await expect(page.get_by_label("Partneren, der kom med det (valgfrit)")).to_be_visible()
    await checked(page)


async def test_browser_a_caseworker_refers_a_youth_who_gets_an_sms(live: Live) -> None:
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/outreach")
    await log_in(page)
    await expect(page.get_by_role("heading", name="Opsøgende arbejde", exact=True)).to_be_visible()
    await checked(page)
    await page.locator("#kind").select_option("caseworker")
    await page.locator("#name").fill("Jobcenter Vejle, team unge")
    await page.get_by_role("button", name="Tilføj kilden").click()
    await expect(page.get_by_role("status")).to_contain_text("Kilden er tilføjet")
    await page.get_by_label("Den unges fornavn").fill("Mia")
    await page.get_by_label("Den unges mobilnummer").fill("22 33 44 77")
    await page.get_by_role("button", name="Send invitationen").click()
    await expect(page.get_by_role("status")).to_contain_text("Invitationen til Mia er på vej")
    await checked(page)
    async with live.runtime.sessions() as s:
        sent = await s.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "referral_invite")
        )
    assert sent is not None and sent.address == "+4522334477"
