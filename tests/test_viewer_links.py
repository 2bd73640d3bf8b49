"""A viewer (the steering group, the Task Force) reads figures and lists without contact details:
every link a viewer is shown opens for them, and no button offers a change. Pair, person,
company and matching pages are the coordinator's casework (contact details, notes, messages),
so a viewer sees the names in the lists as plain text, not as links that answer 403."""

from __future__ import annotations

import re
from datetime import timedelta

from core.clock import local_date
from core.runtime import Runtime
from mentoring.coordinators import add_coordinator
from mentoring.matches import accept_match, create_match
from settings import Settings
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard
from web.app import create_app
from web.auth import VIEWER_PAGES

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

VIEWER, VIEWER_PASSWORD = "styregruppe@kommune.example.dk", "laese-adgang-123"
# The pages a viewer may open (web/auth.py VIEWER_PAGES), but the downloads.
READS = (
    "/", "/youths", "/pairs", "/mentors", "/companies", "/openings", "/outcomes", "/digest",
    "/digest/preview", "/events", "/actions", "/group-targets",
)  # fmt: skip
LINK = re.compile(r'<a [^>]*href="(/[^"#]*)')
POST = re.compile(r'<form method="post" action="(/[^"]*)"')


async def _as_viewer(dash: Dashboard) -> None:
    async with dash.runtime.sessions() as s, s.begin():
        await add_coordinator(s, VIEWER, VIEWER_PASSWORD, role="viewer")
    token = await dash.csrf()
    login = await dash.client.post(
        "/login",
        data={"csrf": token, "email": VIEWER, "password": VIEWER_PASSWORD, "next": "/"},
        allow_redirects=False,
    )
    assert login.status == 303


async def test_every_link_a_viewer_is_shown_opens_for_them(dash: Dashboard) -> None:
    # Sara and Henrik started 40 days ago, never met and were never called: the pair is on the
    # overview's call list and at risk; Omar waits for a mentor.
    started = NOW - timedelta(days=40)
    async with dash.runtime.transaction() as s:
        match = await create_match(s, dash.data.sara, dash.data.henrik, now=started, tz=COPENHAGEN)
        await accept_match(
            s, match.id, now=started, today=local_date(started, COPENHAGEN), tz=COPENHAGEN
        )
        pair = match.id
    await _as_viewer(dash)

    shown: dict[str, str] = {}
    for page in READS:
        response = await dash.client.get(page)
        assert response.status == 200, page
        html = await response.text()
        for href in LINK.findall(html):
            shown.setdefault(href.replace("&amp;", "&"), page)
        # Nor a button that would change something (every POST but signing out and the
        # language answers 403 to a viewer).
        assert [a for a in POST.findall(html) if a not in ("/logout", "/language")] == [], page
        if page in ("/", "/pairs"):
            assert "Sara &amp; Henrik" in html, page  # named, as text
    assert shown  # the menu at least
    refused = {}
    for href, page in shown.items():
        if href == "/logout" or href.startswith("/digest/report"):
            continue
        status = (await dash.client.get(href, allow_redirects=False)).status
        if status == 403:
            refused[href] = page
    assert not refused, " ".join(sorted(refused))
    assert f"/pairs/{pair}" not in shown and f"/people/{dash.data.omar}" not in shown


def test_every_page_open_to_viewers_exists() -> None:
    """A name in VIEWER_PAGES that is no route (a page renamed or never made) would be a
    promise the steering group cannot open."""
    app = create_app(Runtime.build(Settings(database_url="sqlite+aiosqlite://")))
    routes = {
        str(r.resource.canonical) for r in app.router.routes() if r.resource and r.method == "GET"
    }
    assert routes >= VIEWER_PAGES, VIEWER_PAGES - routes
    assert set(READS) | {"/digest/report"} == set(VIEWER_PAGES)
