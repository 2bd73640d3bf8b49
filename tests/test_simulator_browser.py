"""The chat simulator in headless Chromium: a new youth chats through the first sign-up steps,
tapping buttons and typing, against the real engine and database."""

from __future__ import annotations

import os

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import async_playwright, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.models import ContactPoint, Person
from tests.conftest import NOW
from tests.factories import youth
from tests.runtime import make_runtime
from web import dev_chat
from web.keys import RUNTIME

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_simulator_new_youth_chats_with_buttons_and_text(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    runtime = make_runtime(engine, NOW, sessions)
    async with sessions() as session, session.begin():
        demo = await youth(session, NOW, first_name="Freja")
        session.add(ContactPoint(person_id=demo.id, channel="web", address=f"demo-{demo.id}"))
    app = web.Application()
    app[RUNTIME] = runtime
    dev_chat.setup(app, runtime)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page()
            await page.goto(str(server.make_url("/dev/chat")))
            await expect(page.locator("#person")).to_contain_text("Freja")
            await page.get_by_role("button", name="Ny ung").click()
            log = page.locator("#log")
            await expect(log).to_contain_text("Må vi dele dit fornavn")
            await page.locator("#options").get_by_role("button", name="Ja").click()
            await expect(log).to_contain_text("Hvad er dit fornavn?")
            await page.get_by_role("textbox").fill("Sara")
            await page.get_by_role("button", name="Send").click()
            await expect(log).to_contain_text("Dejligt at møde dig, Sara!")
            await browser.close()
    finally:
        await server.close()
    async with sessions() as session:
        person = await session.scalar(
            select(Person).join(ContactPoint).where(ContactPoint.address.like("sim-%"))
        )
        assert person is not None and person.status == "signing_up"
