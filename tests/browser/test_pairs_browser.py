"""The coordinator's pair work in a real browser: the call list emptied call by call (one by the
keyboard alone), the person page's masked contact shown, the pair page's pause and extension, the
matching page; each page with no serious or critical axe-core violation and readable at 375 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from core.clock import local_date
from mentoring.companies import register_company
from mentoring.matches import accept_match, create_match
from storage.models import AuditEntry, Match, Mentor, Person, Youth
from storage.queries import CALL_ACTION
from tests.browser.axe import assert_accessible, assert_fits
from tests.browser.test_dashboard_browser import Live, log_in
from tests.conftest import COPENHAGEN, NOW

pytestmark = pytest.mark.browser


async def checked(page: Page) -> None:
    await assert_accessible(page)
    await assert_fits(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def _pair(live: Live, youth: int, mentor: int, days_ago: int) -> int:
    started = NOW - timedelta(days=days_ago)
    async with live.runtime.transaction() as s:
        match = await create_match(s, youth, mentor, now=started, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=started, today=local_date(started, COPENHAGEN), tz=COPENHAGEN
        )
        return match.id


async def test_browser_coordinator_logs_calls_until_the_call_list_is_empty(live: Live) -> None:
    first = await _pair(live, live.data.sara, live.data.henrik, days_ago=8)
    second = await _pair(live, live.data.omar, live.data.lone, days_ago=40)
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/")
    await log_in(page)
    calls = page.locator("ul.calls > li")
    await expect(calls).to_have_count(2)
    await expect(page.locator(f"#call-{first}")).to_contain_text("første måned")
    await expect(page.locator(f"#call-{second}")).to_contain_text("intet opkald i en måned")
    await checked(page)

    # By keyboard alone: into the note field, then Tab to "Ringet til begge" and Enter.
    await page.locator(f"#call-note-{first}").focus()
    await page.keyboard.type("Alt vel, møde på tirsdag")
    for _ in range(3):
        await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_contain_text("Ringet til begge")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Opkaldet til begge er noteret")
    await expect(calls).to_have_count(1)

    row = page.locator(f"#call-{second}")
    await row.get_by_role("button", name="Ringet til den unge").click()
    await expect(page.locator(f"#call-{second}")).to_contain_text("ring til mentoren")
    await page.locator(f"#call-{second}").get_by_role("button", name="Ringet til mentoren").click()
    await expect(calls).to_have_count(0)
    await expect(page.get_by_text("Ingen opkald lige nu.")).to_be_visible()
    async with live.runtime.sessions() as s:
        logged = (
            await s.execute(
                select(AuditEntry.entity_id, AuditEntry.details).where(
                    AuditEntry.action == CALL_ACTION
                )
            )
        ).all()
    assert sorted((m, d["side"]) for m, d in logged) == [
        (first, "both"),
        (second, "mentor"),
        (second, "youth"),
    ]


async def test_browser_person_pair_and_matching_pages(live: Live) -> None:
    pair = await _pair(live, live.data.sara, live.data.henrik, days_ago=20)
    async with live.runtime.transaction() as s:  # Henrik came through Code of Care
        mentor, youth = await s.get(Mentor, live.data.henrik), await s.get(Youth, live.data.sara)
        person = await s.get(Person, live.data.sara)
        assert mentor is not None and youth is not None and person is not None
        company = await register_company(
            s, person.programme_id, "Partner A/S", partner_kind="code_of_care"
        )
        mentor.company_id, youth.unemployed_over_year = company.id, True
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/people/{live.data.sara}")
    await log_in(page)
    await expect(page.get_by_text("+45******55")).to_be_visible()
    await checked(page)
    await page.get_by_role("button", name="Vis SMS").click()
    await expect(page.get_by_text("+4522334455")).to_be_visible()
    await page.get_by_label("Ny note").fill("Sara vil gerne være tømrerlærling")
    await page.get_by_role("button", name="Gem noten").click()
    await expect(page.get_by_role("status")).to_contain_text("Noten er gemt")
    await expect(page.get_by_text("Sara vil gerne være tømrerlærling")).to_be_visible()

    await page.get_by_role("link", name="Med Henrik").click()
    await expect(page).to_have_url(f"{live.base}/pairs/{pair}")
    await expect(page.get_by_role("heading", name="Sara og Henrik")).to_be_visible()
    await expect(page.get_by_text("den unge har været uden job og uddannelse")).to_be_visible()
    await checked(page)
    await page.get_by_role("button", name="Sæt parret på pause").click()
    await expect(page.get_by_role("status")).to_contain_text("Parret er sat på pause")
    await expect(page.get_by_text(re.compile("på pause siden"))).to_be_visible()
    await page.get_by_role("button", name="Genoptag parret").click()
    await page.get_by_label("Ny slutdato").fill("2027-03-01")
    await page.get_by_role("button", name="Forlæng parret").click()
    await expect(page.get_by_role("status")).to_contain_text("forlænget til 01.03.2027")
    await checked(page)
    async with live.runtime.sessions() as s:
        match = await s.get(Match, pair)
    assert match is not None and match.paused_at is None
    assert (str(match.original_ends_on), str(match.ends_on)) == ("2027-02-06", "2027-03-01")

    await page.goto(f"{live.base}/youths/{live.data.omar}/match")
    await expect(page.get_by_role("heading", name="En mentor til Omar")).to_be_visible()
    await page.get_by_role("link", name="Vælg Henrik").click()
    await expect(page.get_by_role("heading", name="Valgt: Henrik")).to_be_visible()
    await checked(page)

    await page.goto(f"{live.base}/pairs")  # the Code of Care mark on Sara and Henrik's line
    line = page.locator(f"#pair-{pair}")
    await expect(line.get_by_text("den unge har været uden job og uddannelse")).to_be_visible()
    await checked(page)
    # The filters by keyboard: a status chosen, a mentor typed, Enter shows them in the address.
    await page.get_by_label("Status").select_option("active")
    await page.get_by_label("Mentor (navn eller nummer)").fill("Hen")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(
        f"{live.base}/pairs?status=active&target_group=&mentor=Hen&area="
    )
    await expect(line).to_be_visible()
    await expect(page.get_by_text("Viser 1-1 af 1")).to_be_visible()
    await checked(page)
    await page.get_by_label("Status").select_option("completed")
    await page.get_by_role("button", name="Vis", exact=True).press("Enter")
    await expect(page.get_by_text("Ingen par passer til det, du har valgt.")).to_be_visible()
