"""Property-based: every dashboard POST form, signed in with a valid CSRF token, gets arbitrary
values (hostile text, numbers no column holds, dates at the calendar's edges) and ids of rows that
exist and rows that do not. Never a 5xx, never raw HTML; and whatever text the database holds,
every page and the digest (preview and e-mail HTML) show it escaped."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.runtime import Runtime
from mentoring.digest_mail import digest_for, render_digest
from storage.models import Company, InboxItem, Mentor, Person, Youth
from tests.browser.seed import EMAIL, PASSWORD, Seeded, dashboard_runtime, seed
from tests.conftest import NOW
from tests.fuzz_strategies import FUZZ, NUMBER_TEXTS, SCRIPT, TEXTS, assert_no_cpr_stored
from web.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORMS = ("/companies", "/openings", "/openings/{id}/fill", "/outcomes", "/inbox/{id}/handled",
         "/mentors/{id}/approve", "/mentors/{id}/capacity", "/mentors/invitations",
         "/pairs/{id}/close", "/youths/{id}/match", "/batch/confirm", "/people/{id}/erase",
         "/language", "/logout")  # fmt: skip
FIELDS = ("name", "cvr", "industry", "source", "first_contact_on", "partner",
          "company_id", "kind", "created_on", "origin", "youth_id", "filled_on", "mentor_id",
          "category", "observed_on", "check", "checked_on", "capacity", "reason", "confirm",
          "language", "next")  # fmt: skip
PAGES = ("/", "/youths", "/batch", "/pairs", "/mentors", "/companies", "/openings", "/outcomes",
         "/inbox", "/digest", "/digest/preview")  # fmt: skip
# Values a form really sends (so the actions get past their first check), and hostile ones.
VALID = st.sampled_from(
    ["yes", "da", "en", "outreach", "mentor", "construction", "it", "job", "education", "rematch",
     "straffeattest", "2026-11-20", "1", "2", "3"]
)  # fmt: skip


@dataclass
class Dashboard:
    http: TestClient
    runtime: Runtime
    data: Seeded

    async def csrf(self) -> str:
        """Signed in (again, after a fuzzed /logout), the CSRF token of a page."""
        response = await self.http.get("/companies", allow_redirects=False)
        if response.status != 200:
            token = CSRF.search(await (await self.http.get("/login")).text())
            assert token is not None
            await self.http.post("/login", allow_redirects=False,
                                 data={"csrf": token.group(1), "email": EMAIL,
                                       "password": PASSWORD})  # fmt: skip
            response = await self.http.get("/companies", allow_redirects=False)
        found = CSRF.search(await response.text())
        assert found is not None
        return found.group(1)


@pytest.fixture
async def dash(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Dashboard]:
    runtime = dashboard_runtime(engine, tmp_path, lambda: NOW)
    data = await seed(runtime, NOW)
    http = TestClient(TestServer(create_app(runtime)))
    await http.start_server()
    try:
        yield Dashboard(http, runtime, data)
    finally:
        await http.close()


def ids(data: Seeded) -> st.SearchStrategy[str]:
    real = [data.sara, data.omar, data.henrik, data.lone, data.peter, 1, 2]
    return st.one_of(st.sampled_from([str(i) for i in real]), NUMBER_TEXTS)


@settings(FUZZ, max_examples=FUZZ.max_examples * 2 // 3)  # a form and a page each
@given(st.data())
async def test_fuzz_every_dashboard_form_never_fails_and_never_shows_raw_html(
    dash: Dashboard, data: st.DataObject
) -> None:
    values = st.one_of(TEXTS, NUMBER_TEXTS, VALID, ids(dash.data))
    path = data.draw(st.sampled_from(FORMS)).format(id=quote(data.draw(ids(dash.data)), safe=""))
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)))
    checks = data.draw(st.lists(values, max_size=3))
    body = [("csrf", await dash.csrf()), *form.items(), *(("check", c) for c in checks)]
    response = await dash.http.post(path, data=body)
    assert response.status < 500, path
    assert SCRIPT not in await response.text(), path
    page = data.draw(st.sampled_from(PAGES))
    shown = await dash.http.get(page)
    assert shown.status == 200, page
    assert SCRIPT not in await shown.text(), page
    await assert_no_cpr_stored(dash.runtime.sessions)


@settings(FUZZ, max_examples=FUZZ.max_examples // 10)  # each renders every page
@given(
    language=st.sampled_from(["da", "en"]),
    before=TEXTS,
    after=TEXTS,
    markup=st.sampled_from([SCRIPT, "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']),
)
async def test_fuzz_stored_text_is_escaped_on_every_page_and_in_the_digest(
    dash: Dashboard, language: str, before: str, after: str, markup: str
) -> None:
    """Names are validated on the way in, but older rows, imports and free-text fields are not:
    whatever the database holds, the pages and the digest must show it as text."""
    hostile = f"{before}{markup}{after}".replace("\x00", "")[:60]
    async with dash.runtime.sessions() as session, session.begin():
        await session.execute(update(Person).values(first_name=hostile))
        await session.execute(update(Company).values(name=hostile))
        await session.execute(update(Youth).values(area=hostile[:60], interests_text=hostile))
        await session.execute(update(Mentor).values(availability=hostile, role_title=hostile))
        person = await session.get(Person, dash.data.sara)
        assert person is not None
        session.add(InboxItem(programme_id=person.programme_id, person_id=person.id,
                              kind="help", created_at=NOW))  # fmt: skip
    await dash.csrf()
    for page in (*PAGES, f"/people/{dash.data.sara}", f"/people/{dash.data.henrik}"):
        shown = await dash.http.get(page)
        assert shown.status == 200, page
        assert markup not in await shown.text(), page
    youths = await (await dash.http.get("/youths")).text()
    assert str(escape(hostile)) in youths  # shown, as text
    digest = await digest_for(dash.runtime, None)
    assert markup not in render_digest(digest, dash.runtime.renderer, language).html


async def test_dashboard_text_with_a_nul_character_is_kept_without_it(dash: Dashboard) -> None:
    """Found by the fuzzer: PostgreSQL refuses NUL, so a company name holding one was a 500."""
    response = await dash.http.post(
        "/companies", data={"csrf": await dash.csrf(), "name": "Nul\x00Bytes ApS"}
    )
    assert response.status == 200
    assert "NulBytes ApS" in await (await dash.http.get("/companies")).text()


async def test_dashboard_id_too_large_for_the_database_is_not_found_not_a_crash(
    dash: Dashboard,
) -> None:
    """Found by the fuzzer: an id of 2**63 overflowed SQLite's integer and answered 500."""
    huge = str(2**63)
    handled = await dash.http.post(f"/inbox/{huge}/handled", data={"csrf": await dash.csrf()})
    assert handled.status == 404
    matched = await dash.http.post(
        "/outcomes",
        data={"csrf": await dash.csrf(), "youth_id": huge, "category": "job"},
    )
    assert matched.status == 200 and 'role="alert"' in await matched.text()
