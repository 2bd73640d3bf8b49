"""The dashboard in a real browser (Debian's Chromium through Playwright), against the real app."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.runtime import Runtime
from storage.models import Coordinator, Match, OutboxMessage
from tests.browser.seed import EMAIL, PASSWORD, Seeded, dashboard_runtime, seed
from tests.conftest import NOW
from web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Live:
    base: str
    runtime: Runtime
    data: Seeded
    browser: Browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Live]:
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    data = await seed(runtime, NOW)
    runner = web.AppRunner(create_app(runtime))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield Live(f"http://127.0.0.1:{port}", runtime, data, browser)
            finally:
                await browser.close()
    finally:
        await runner.cleanup()


async def log_in(page: Page, password: str = PASSWORD) -> None:
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.get_by_label("Adgangskode").fill(password)
    await page.get_by_role("button", name="Log ind").click()


async def test_browser_coordinator_matches_a_waiting_youth_with_the_top_suggestion(
    live: Live,
) -> None:
    page = await live.browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live.base}/youths")
    await expect(page).to_have_url(f"{live.base}/login?next=/youths")
    await log_in(page)
    await expect(page).to_have_url(f"{live.base}/youths")

    sara = page.get_by_role("article", name="Sara")
    await expect(sara.get_by_text("samme branche: Byggeri")).to_be_visible()
    top = sara.get_by_role("button", name="Match Sara med").first
    await expect(top).to_have_text("Match Sara med Henrik")
    await top.click()
    await expect(page.get_by_role("status")).to_contain_text("Matchet er lavet")
    await expect(page.get_by_role("article", name="Sara")).to_have_count(0)

    async with live.runtime.sessions() as s:
        match = (await s.scalars(select(Match))).one()
        outbox = (await s.scalars(select(OutboxMessage))).all()
    assert (match.youth_id, match.mentor_id) == (live.data.sara, live.data.henrik)
    assert [m.person_id for m in outbox] == [live.data.henrik]
    assert "Sara" in (outbox[0].body or "")

    await page.get_by_role("link", name="Oversigt").click()
    await expect(page.get_by_role("heading", name="Mål")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    phone = await live.browser.new_page(viewport={"width": 390, "height": 844})
    await phone.context.add_cookies(await page.context.cookies())
    await phone.goto(f"{live.base}/youths")
    await phone.screenshot(path=str(ARTIFACTS / "youths-phone.png"), full_page=True)


async def test_browser_form_posted_without_csrf_token_is_refused(live: Live) -> None:
    page = await live.browser.new_page()
    await page.goto(f"{live.base}/login")
    await log_in(page)
    await expect(page).to_have_url(f"{live.base}/")
    response = await page.request.post(
        f"{live.base}/youths/{live.data.sara}/match",
        form={"mentor_id": str(live.data.henrik)},
    )
    assert response.status == 403
    async with live.runtime.sessions() as s:
        assert (await s.scalars(select(Match))).all() == []


async def test_browser_wrong_passwords_lock_the_account(live: Live) -> None:
    page = await live.browser.new_page()
    await page.goto(f"{live.base}/login")
    for _ in range(4):
        await log_in(page, "forkert-kodeord")
        await expect(page.get_by_role("alert")).to_contain_text("forkert")
    await log_in(page, "forkert-kodeord")
    await expect(page.get_by_role("alert")).to_contain_text("Kontoen er låst")
    await log_in(page)  # the right password no longer gets in
    await expect(page.get_by_role("alert")).to_contain_text("Kontoen er låst")
    await expect(page).to_have_url(f"{live.base}/login")
    async with live.runtime.sessions() as s:
        row = await s.scalar(select(Coordinator).where(Coordinator.email == EMAIL))
    assert row is not None and row.failed_logins == 5 and row.locked_until is not None


async def test_browser_language_toggle_and_keyboard_login(live: Live) -> None:
    page = await live.browser.new_page()
    await page.goto(f"{live.base}/login")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Needs attention today")).to_be_visible()
