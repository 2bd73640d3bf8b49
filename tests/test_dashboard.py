"""The coordinator dashboard over real HTTP: login, CSRF, lock-out, matching, every page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from mentoring.runtime import Runtime
from storage.models import AuditEntry, Coordinator, Match, OutboxMessage
from tests.browser.seed import EMAIL, PASSWORD, Seeded, make_runtime, seed
from tests.conftest import NOW
from web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Dashboard:
    client: TestClient
    runtime: Runtime
    data: Seeded

    async def csrf(self, path: str = "/login") -> str:
        response = await self.client.get(path)
        found = CSRF.search(await response.text())
        assert found is not None
        return found.group(1)

    async def login(self, password: str = PASSWORD) -> int:
        return (await self.login_response(password)).status

    async def login_response(self, password: str = PASSWORD) -> ClientResponse:
        token = await self.csrf()
        return await self.client.post(
            "/login",
            data={"csrf": token, "email": EMAIL, "password": password, "next": "/"},
            allow_redirects=False,
        )


@pytest.fixture
async def dash(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Dashboard]:
    runtime = make_runtime(engine, tmp_path, lambda: NOW)
    data = await seed(runtime, NOW)
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        yield Dashboard(client, runtime, data)
    finally:
        await client.close()


async def test_dashboard_page_without_login_redirects_to_login(dash: Dashboard) -> None:
    response = await dash.client.get("/youths", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] in ("/login?next=%2Fyouths", "/login?next=/youths")


async def test_dashboard_login_sets_a_signed_http_only_cookie(dash: Dashboard) -> None:
    login = await dash.login_response()
    assert login.status == 303
    set_cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    overview = await dash.client.get("/")
    assert overview.status == 200
    assert "Oversigt" in await overview.text()  # Danish by default
    cookie = dash.client.session.cookie_jar.filter_cookies(dash.client.make_url("/"))["mb_session"]
    forged = cookie.value[:-4] + "0000"
    dash.client.session.cookie_jar.clear()
    dash.client.session.cookie_jar.update_cookies(
        {"mb_session": forged}, response_url=dash.client.make_url("/")
    )
    response = await dash.client.get("/", allow_redirects=False)
    assert response.status == 303


async def test_dashboard_form_without_csrf_token_is_refused(dash: Dashboard) -> None:
    await dash.login()
    response = await dash.client.post(
        f"/youths/{dash.data.sara}/match", data={"mentor_id": str(dash.data.henrik)}
    )
    assert response.status == 403
    async with dash.runtime.sessions() as s:
        assert (await s.scalars(select(Match))).all() == []


async def test_dashboard_login_form_without_csrf_token_is_refused(dash: Dashboard) -> None:
    response = await dash.client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status == 403


async def test_dashboard_five_wrong_passwords_lock_the_account(dash: Dashboard) -> None:
    for _ in range(4):
        assert await dash.login("forkert-kodeord") == 401
    assert await dash.login("forkert-kodeord") == 403
    assert await dash.login() == 403  # even the right password, while locked
    async with dash.runtime.sessions() as s:
        row = await s.scalar(select(Coordinator).where(Coordinator.email == EMAIL))
        assert row is not None and row.locked_until is not None
        actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["login_failed"] * 4 + ["login_locked", "login_refused_locked"]
    page = await (await dash.client.get("/login")).text()
    assert "låst" not in page  # the lock message shows on the refused attempt only


async def test_dashboard_top_suggestion_makes_a_match_and_queues_the_introduction(
    dash: Dashboard,
) -> None:
    await dash.login()
    page = await (await dash.client.get("/youths")).text()
    assert "samme branche: Byggeri" in page
    token = CSRF.search(page)
    assert token is not None
    response = await dash.client.post(
        f"/youths/{dash.data.sara}/match",
        data={"csrf": token.group(1), "mentor_id": str(dash.data.henrik)},
    )
    assert response.status == 200
    assert "Matchet er lavet" in await response.text()
    async with dash.runtime.sessions() as s:
        match = (await s.scalars(select(Match))).one()
        assert (match.youth_id, match.mentor_id, match.status) == (
            dash.data.sara,
            dash.data.henrik,
            "proposed",
        )
        outbox = (await s.scalars(select(OutboxMessage))).all()
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "match_created"))
    assert [(o.person_id, o.channel) for o in outbox] == [(dash.data.henrik, "sms")]
    assert "Sara" in (outbox[0].body or "")
    assert audit is not None and audit.actor == f"coordinator:{dash.data.coordinator_id}"


async def test_dashboard_match_refused_by_a_rule_is_explained(dash: Dashboard) -> None:
    await dash.login()
    token = await dash.csrf("/youths")
    response = await dash.client.post(
        f"/youths/{dash.data.sara}/match", data={"csrf": token, "mentor_id": str(dash.data.peter)}
    )
    assert response.status == 200
    assert 'role="alert"' in await response.text()
    async with dash.runtime.sessions() as s:
        assert (await s.scalars(select(Match))).all() == []


@pytest.mark.parametrize("language", ["da", "en"])
async def test_dashboard_every_page_renders_in_both_languages(
    dash: Dashboard, language: str
) -> None:
    await dash.login()
    token = await dash.csrf("/")
    await dash.client.post("/language", data={"csrf": token, "language": language, "next": "/"})
    for path in ("/", "/youths", "/batch"):
        response = await dash.client.get(path)
        assert response.status == 200, path
        html = await response.text()
        assert f'<html lang="{language}">' in html
        assert "Henrik" in html or path == "/"
