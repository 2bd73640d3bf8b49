"""A coordinator's week in a real browser (issue 19's "done when"): log in, the overview's live
counts equal the database, answer an inbox item (the youth gets it by SMS on the fake Twilio),
log calls until the call list is empty, extend one pair and close another, add a youth by hand,
import a CSV with a bad row (the preview shows it; the import takes the rest), download the
committee report. Every page visited is checked with axe-core and at 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from core.statuses import MatchStatus
from mentoring import inbox
from mentoring.delivery_news import NEWS
from mentoring.matches import accept_match, create_match
from mentoring.people import person_by_id
from messaging.delivery import RetryPolicy
from messaging.dispatcher import Dispatcher, DispatcherConfig, Pacing
from messaging.sms import TwilioSender
from storage.models import ContactPoint, InboxItem, Match, Person
from tests.browser.axe import assert_accessible, assert_fits
from tests.browser.test_dashboard_browser import Live, log_in
from tests.conftest import COPENHAGEN, NOW
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import sms_settings

pytestmark = pytest.mark.browser

CSV = (
    "first_name;birth_year;situation;phone\n"
    "Jonas;2003;unemployed;22 11 00 01\n"
    "Bo;1950;unemployed;22 11 00 02\n"
    "Ida;2001;unemployed;22 11 00 03\n"
)


async def _prepare(live: Live) -> tuple[int, int]:
    """Two active pairs (Sara with Henrik, Omar with Lone), Sara's number proven, and a message
    from Sara in the inbox."""
    data, today = live.data, NOW.astimezone(COPENHAGEN).date()
    async with live.runtime.sessions() as s, s.begin():
        ids = []
        for youth, mentor in ((data.sara, data.henrik), (data.omar, data.lone)):
            match = await create_match(s, youth, mentor, now=NOW - timedelta(days=5), tz=COPENHAGEN)
            await accept_match(s, match.id, now=NOW - timedelta(days=5), today=today, tz=COPENHAGEN)
            ids.append(match.id)
        point = await s.scalar(select(ContactPoint).where(ContactPoint.person_id == data.sara))
        assert point is not None
        point.verified = True
        sara = await person_by_id(s, data.sara)
        assert sara is not None
        await inbox.put(s, sara, inbox.Kind.MESSAGE, now=NOW, body="Kan vi mødes en anden dag?")
    return ids[0], ids[1]


async def _checked(page: Page) -> None:
    await assert_accessible(page)
    await assert_fits(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_browser_a_coordinators_week(live: Live, twilio: FakeTwilio) -> None:
    extended, closed = await _prepare(live)
    page = await live.browser.new_page(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    await page.goto(f"{live.base}/login")
    await log_in(page)

    # The overview's live counts are the database's.
    async with live.runtime.sessions() as s:
        open_items = await s.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.handled_at.is_(None))
        )
    inbox_card = page.get_by_role("link", name="beskeder i indbakken")
    await expect(inbox_card).to_have_text(f"{open_items} beskeder i indbakken")
    await _checked(page)

    # Answer Sara from the inbox: she gets it by SMS, signed by the coordinator.
    await page.get_by_role("link", name="Indbakke", exact=True).click()
    await expect(page.get_by_text("Kan vi mødes en anden dag?")).to_be_visible()
    await _checked(page)
    await page.get_by_label("Svar Sara").fill("Ja, hvad med tirsdag kl. 15?")
    await page.get_by_role("button", name="Send svaret").click()
    await expect(page.get_by_role("status")).to_contain_text("Svaret er på vej til dem")
    sender = await TwilioSender.open(sms_settings(twilio.base_url))
    try:
        config = DispatcherConfig(
            pacing={"sms": Pacing(rate=1000.0)},
            policy=RetryPolicy(max_attempts=2, base_seconds=0.02),
            poll_interval=0.05,
        )
        await Dispatcher(live.runtime.sessions, {"sms": sender}, config, NEWS).run(until_empty=True)
    finally:
        await sender.close()
    assert twilio.bodies_to("+4522334455") == [
        "Fra din koordinator Mette: Ja, hvad med tirsdag kl. 15?"
    ]

    # Log calls from the overview until the call list is empty.
    await page.get_by_role("link", name="Oversigt", exact=True).click()
    calls = page.locator("ul.calls > li")
    for _ in range(10):
        if await calls.count() == 0:
            break
        await calls.first.get_by_role("button", name="Ringet til begge").click()
        await expect(page.get_by_role("status")).to_be_visible()
    await expect(page.get_by_text("Ingen opkald lige nu.")).to_be_visible()

    # Extend one pair and close the other from their pages.
    await page.goto(f"{live.base}/pairs/{extended}")
    await _checked(page)
    await page.get_by_label("Ny slutdato").fill("2027-03-31")
    await page.get_by_role("button", name="Forlæng parret").click()
    await expect(page.get_by_role("status")).to_contain_text("Parret er forlænget til")
    await page.goto(f"{live.base}/pairs/{closed}")
    await page.get_by_label("Grund til at afslutte").select_option("youth_stopped")
    await page.get_by_role("button", name="Afslut parret").click()
    await expect(page.get_by_role("status")).to_contain_text("Parret er afsluttet")
    async with live.runtime.sessions() as s:
        one, other = await s.get(Match, extended), await s.get(Match, closed)
    assert one is not None and other is not None
    assert one.status == MatchStatus.ACTIVE and other.status == MatchStatus.ENDED_EARLY

    # Add a youth by hand.
    await page.get_by_role("link", name="Skriv en ung op", exact=True).click()
    await _checked(page)
    await page.get_by_label("Fornavn").fill("Mia")
    await page.get_by_label("Fødselsår").fill("2004")
    await page.get_by_label("Mobilnummer", exact=True).fill("22 44 66 88")
    await page.get_by_role("button", name="Skriv den unge op, og send sms'en").click()
    await expect(page.get_by_role("status")).to_contain_text("Mia er skrevet op")

    # Import a CSV with a bad row: the preview shows it, the import takes the rest.
    await page.get_by_role("link", name="Import", exact=True).click()
    await _checked(page)
    await page.get_by_label("Hvad filen indeholder").select_option("youths")
    await page.get_by_label("CSV-fil").set_input_files(
        {"name": "unge.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    await page.get_by_role("button", name="Tjek filen").click()
    await expect(page.get_by_role("status")).to_contain_text("2 rækker kan importeres")
    await expect(page.get_by_role("row", name="3")).to_contain_text("mellem 15 og 29 år")
    await _checked(page)
    await page.get_by_role("button", name="Importér de 2 rækker").click()
    await expect(page.get_by_role("status")).to_contain_text("Importeret: 2 rækker")
    async with live.runtime.sessions() as s:
        names = set(await s.scalars(select(Person.first_name)))
    assert {"Mia", "Jonas", "Ida"} <= names and "Bo" not in names

    # Download the committee report.
    await page.get_by_role("link", name="Ugerapport", exact=True).click()
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Hent status indtil nu (XLSX)").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    body = (await download.path()).read_bytes()
    assert body[:2] == b"PK"  # an XLSX is a zip


async def test_browser_workbench_pages_are_accessible_and_fit_a_phone(live: Live) -> None:
    await _prepare(live)
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/login")
    await log_in(page)
    for path in (
        "/search?q=sa", "/mentors", "/audit", "/inbox?view=done", "/youths/new",
        "/pairs?status=active&mentor=Hen", "/companies?partner=no&show=quiet",
    ):  # fmt: skip
        await page.goto(f"{live.base}{path}")
        await _checked(page)
    await page.goto(f"{live.base}/inbox")
    await page.keyboard.press("Tab")  # the skip link comes first, then the page works by keys
    await expect(page.get_by_role("link", name="Spring til indhold")).to_be_focused()
