"""The mentor's introduction page (the link in the approval e-mail) in a real browser: readable
at 375 px and without a serious or critical axe-core violation, in Danish and English."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from mentoring.onboarding import role_link
from storage.models import Person
from tests.browser.axe import assert_accessible, assert_fits
from tests.browser.test_dashboard_browser import Live
from tests.conftest import NOW

pytestmark = pytest.mark.browser


HEADINGS = [
    ("da", "Din rolle som erhvervsmentor, Henrik"),
    ("en", "Your role as a business mentor, Henrik"),
]


@pytest.mark.parametrize(("language", "heading"), HEADINGS)
async def test_browser_mentor_role_page_is_accessible_and_fits_a_phone(
    live: Live, language: str, heading: str
) -> None:
    async with live.runtime.sessions() as session, session.begin():
        henrik = await session.get(Person, live.data.henrik)
        assert henrik is not None
        henrik.language = language
    url = role_link(live.runtime.settings, live.data.henrik, NOW)
    path = url[url.index("/links/") :]
    page = await live.browser.new_page()
    await page.goto(f"{live.base}{path}")
    await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    await expect(page.get_by_role("heading", level=2)).to_have_count(4)
    await assert_accessible(page)
    await assert_fits(page)
