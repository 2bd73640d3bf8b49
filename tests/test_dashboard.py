"""The coordinator dashboard over real HTTP: login, CSRF, lock-out, matching, every page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.runtime import Runtime
from storage.models import (
    AuditEntry,
    Company,
    Coordinator,
    InboxItem,
    Invitation,
    JobOpening,
    Match,
    Mentor,
    OutboxMessage,
    Outcome,
    Person,
    Screening,
)
from tests.browser.seed import EMAIL, PASSWORD, Seeded, dashboard_runtime, seed
from tests.conftest import NOW
from tests.fakes.telegram_api import FakeTelegramAPI
from web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGES = (
    "/",
    "/youths",
    "/batch",
    "/pairs",
    "/mentors",
    "/companies",
    "/openings",
    "/outcomes",
    "/inbox",
    "/digest",
)
SHOWS = {
    "/youths": "Omar",
    "/batch": "Lone",
    "/pairs": "Sara &amp; Henrik",
    "/mentors": "Peter",
    "/companies": "Tømrerfirmaet Jensen",
    "/openings": "Tømrerfirmaet Jensen",
}


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

    async def post(self, path: str, data: dict[str, str], page: str = "/") -> str:
        """Post a form the way the browser does (with the page's CSRF token); the page after."""
        response = await self.client.post(path, data={"csrf": await self.csrf(page), **data})
        assert response.status == 200
        return await response.text()

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
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
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
    assert response.headers["Location"] == "/login?next=/youths"


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
    await dash.post(f"/youths/{dash.data.sara}/match", {"mentor_id": str(dash.data.henrik)})
    token = await dash.csrf("/")
    await dash.client.post("/language", data={"csrf": token, "language": language, "next": "/"})
    for path in PAGES:
        response = await dash.client.get(path)
        assert response.status == 200, path
        html = await response.text()
        assert f'<html lang="{language}">' in html
        assert SHOWS.get(path, "") in html, path
        assert "%(" not in html and "{{" not in html
    preview = await dash.client.get("/digest/preview")
    assert preview.status == 200
    assert "Content-Security-Policy" in preview.headers


async def audited(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as s:
        return list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_dashboard_close_a_pair_for_a_new_match_puts_the_youth_back_in_line(
    dash: Dashboard,
) -> None:
    await dash.login()
    await dash.post(f"/youths/{dash.data.sara}/match", {"mentor_id": str(dash.data.henrik)})
    async with dash.runtime.sessions() as s:
        match_id = (await s.scalars(select(Match.id))).one()
    page = await dash.post(f"/pairs/{match_id}/close", {"reason": "rematch"})
    assert "venter på en ny mentor" in page
    assert f'id="youth-{dash.data.sara}"' in page  # back on the waiting list
    async with dash.runtime.sessions() as s:
        match = await s.get(Match, match_id)
    assert match is not None and (match.status, match.end_reason) == ("ended_early", "rematch")
    assert (await audited(dash.runtime))[-1] == "match_closed"


async def test_dashboard_approve_mentor_records_what_was_checked_and_by_whom(
    dash: Dashboard,
) -> None:
    await dash.login()
    page = await dash.post(
        f"/mentors/{dash.data.peter}/approve",
        {"check": "straffeattest", "checked_on": "2026-11-20"},
    )
    assert "Straffeattest, tjekket 20.11.2026 af Mette" in page
    async with dash.runtime.sessions() as s:
        mentor = await s.get(Mentor, dash.data.peter)
        screening = (await s.scalars(select(Screening))).one()
    assert mentor is not None and mentor.approval == "approved"
    assert (screening.check_kind, screening.checked_by) == (
        "straffeattest",
        dash.data.coordinator_id,
    )
    page = await dash.post(f"/mentors/{dash.data.lone}/approve", {"checked_on": "2026-11-20"})
    assert 'role="alert"' in page  # nothing checked: refused


async def test_dashboard_capacity_and_invitation_codes(dash: Dashboard) -> None:
    await dash.login()
    await dash.post(f"/mentors/{dash.data.lone}/capacity", {"capacity": "3"})
    page = await dash.post(f"/mentors/{dash.data.lone}/capacity", {"capacity": "9"})
    assert 'role="alert"' in page
    page = await dash.post("/mentors/invitations", {})
    async with dash.runtime.sessions() as s:
        mentor = await s.get(Mentor, dash.data.lone)
        invitation = (await s.scalars(select(Invitation))).one()
    assert mentor is not None and mentor.capacity == 3
    assert f"/start {invitation.code}" in page and invitation.checks == []
    page = await dash.post(
        "/mentors/invitations", {"check": "interview", "checked_on": "2026-11-20"}
    )
    async with dash.runtime.sessions() as s:
        screened = await s.scalar(select(Invitation).order_by(Invitation.id.desc()))
    assert screened is not None and screened.checks == ["interview"]
    assert str(screened.checked_on) == "2026-11-20" and "screenet" in page
    page = await dash.post("/mentors/invitations", {"check": "interview", "checked_on": "20.11"})
    assert 'role="alert"' in page  # a date that is no date is a form error, not a crash
    assert len(invitation.code) >= 16
    assert await audited(dash.runtime) == [
        "login",
        "mentor_capacity",
        "invitation_created",
        "invitation_created",
    ]


async def test_dashboard_company_job_opening_and_outcome_are_registered(dash: Dashboard) -> None:
    await dash.login()
    page = await dash.post(
        "/companies",
        {
            "name": "Bager Hansen",
            "cvr": "DK 1358 5628",
            "industry": "hospitality",
            "source": "outreach",
            "first_contact_on": "2026-11-24",
        },
    )
    assert "Bager Hansen" in page and "13585628" in page
    bad = await dash.post("/companies", {"name": "Falsk ApS", "cvr": "12345678"})
    assert 'role="alert"' in bad
    async with dash.runtime.sessions() as s:
        company = await s.scalar(select(Company).where(Company.name == "Bager Hansen"))
    assert company is not None and company.partner_kind is None
    await dash.post(
        "/openings", {"company_id": str(company.id), "kind": "praktik", "origin": "mentor"}
    )
    async with dash.runtime.sessions() as s:
        opening = (await s.scalars(select(JobOpening))).one()
    page = await dash.post(f"/openings/{opening.id}/fill", {"youth_id": str(dash.data.omar)})
    assert "Omar (26.11.2026)" in page

    await dash.post(f"/youths/{dash.data.omar}/match", {"mentor_id": str(dash.data.lone)})
    async with dash.runtime.sessions() as s:
        match = (await s.scalars(select(Match))).one()
        match.status = "active"
        await s.commit()
    await dash.post("/outcomes", {"youth_id": str(dash.data.omar), "category": "praktik"})
    page = await dash.post("/outcomes", {"youth_id": str(dash.data.omar), "category": "education"})
    assert "Nej, rettet senere" in page
    async with dash.runtime.sessions() as s:
        categories = list(await s.scalars(select(Outcome.category).order_by(Outcome.id)))
        filled = await s.get(JobOpening, opening.id)
    # Filling the praktik opening recorded Omar's outcome and linked it to the opening.
    assert categories == ["praktik", "praktik", "education"]
    assert filled is not None and filled.status == "filled" and filled.outcome_id is not None
    assert (await audited(dash.runtime))[1:] == [
        "company_registered",
        "job_opening_registered",
        "job_opening_filled",
        "match_created",
        "outcome_registered",
        "outcome_registered",
    ]


async def test_dashboard_inbox_item_is_marked_handled(dash: Dashboard) -> None:
    async with dash.runtime.sessions() as s:
        programme_id = (await s.get(Person, dash.data.sara)).programme_id  # type: ignore[union-attr]
        item = InboxItem(
            programme_id=programme_id, person_id=dash.data.sara, kind="message", body="Hej <b>"
        )
        s.add(item)
        await s.commit()
    await dash.login()
    page = await (await dash.client.get("/inbox")).text()
    assert "Hej &lt;b&gt;" in page  # escaped, never markup
    await dash.post(f"/inbox/{item.id}/handled", {})
    async with dash.runtime.sessions() as s:
        handled = await s.get(InboxItem, item.id)
    assert handled is not None and handled.handled_at is not None


async def test_dashboard_invitation_is_a_telegram_link_to_our_bot_when_telegram_is_on(
    engine: AsyncEngine, tmp_path: Path, telegram_api: FakeTelegramAPI
) -> None:
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    runtime.settings = runtime.settings.model_copy(
        update={
            "telegram_bot_token": SecretStr("42:TEST"),
            "telegram_api_url": telegram_api.base_url,
        }
    )
    data = await seed(runtime, NOW)
    async with TestClient(TestServer(create_app(runtime))) as client:
        dash = Dashboard(client, runtime, data)
        await dash.login()
        page = await dash.post("/mentors/invitations", {})
    async with runtime.sessions() as s:
        invitation = (await s.scalars(select(Invitation))).one()
    assert f'href="https://t.me/mentor_test_bot?start={invitation.code}"' in page


async def test_dashboard_danish_pages_show_words_not_codes(dash: Dashboard) -> None:
    """Issue 17 finding 8: "Rolle youth" and raw inbox kinds on Danish pages."""
    async with dash.runtime.sessions() as s:
        programme_id = (await s.get(Person, dash.data.sara)).programme_id  # type: ignore[union-attr]
        s.add(InboxItem(programme_id=programme_id, person_id=dash.data.sara, kind="unsure"))
        await s.commit()
    await dash.login()
    person = await (await dash.client.get(f"/people/{dash.data.sara}")).text()
    assert "<dd>ung</dd>" in person and "<dd>youth</dd>" not in person
    assert "<dd>aktiv</dd>" in person and "<dd>active</dd>" not in person
    inbox = await (await dash.client.get("/inbox")).text()
    assert "<strong>unsure</strong>" not in inbox and "tvivl" in inbox
