"""Finding people and paging through long lists on the dashboard, over real HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

from mentoring.audit import record
from tests import factories
from tests.conftest import NOW
from tests.test_dashboard import Dashboard, dash  # noqa: F401  (the signed-in dashboard fixture)


async def _search(desk: Dashboard, query: str) -> tuple[int, str, str]:
    response = await desk.client.get("/search", params={"q": query}, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_search_finds_a_youth_by_phone_written_any_way_sign_up_accepts(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    for written in ("22 33 44 55", "+45 2233 4455", "0045 22334455", "22334455"):
        status, location, _ = await _search(dash, written)
        assert (status, location) == (303, f"/people/{dash.data.sara}"), written
    status, _, page = await _search(dash, "99 88 77 66")
    assert status == 200 and "Ingen fundet for" in page


async def test_search_finds_people_by_the_start_of_their_name_or_by_e_mail(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    async with dash.runtime.sessions() as s:
        mia = await factories.youth(s, NOW - timedelta(days=1), "Mia", email="mia@Example.DK")
        await s.commit()
    await dash.login()
    _, _, page = await _search(dash, "sa")
    assert f'href="/people/{dash.data.sara}"' in page and "Omar" not in page
    _, _, page = await _search(dash, "LO")  # Lone, whatever the case
    assert f'href="/people/{dash.data.lone}"' in page and "1 person fundet" in page
    status, location, _ = await _search(dash, "mia@example.dk")
    assert (status, location) == (303, f"/people/{mia.id}")
    _, _, page = await _search(dash, "%")  # a LIKE wildcard is a character, not "everyone"
    assert "Ingen fundet" in page


async def test_search_box_is_on_every_page(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    for path in ("/", "/mentors", "/inbox", "/audit"):
        page = await (await dash.client.get(path)).text()
        assert 'role="search"' in page and 'action="/search"' in page, path


async def test_mentor_list_shows_fifty_a_page_and_keeps_the_filter_between_pages(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    async with dash.runtime.sessions() as s:
        for n in range(57):
            await factories.mentor(s, f"Mentor{chr(65 + n // 26)}{chr(97 + n % 26)}", phone=None)
        await s.commit()
    await dash.login()
    first = await (await dash.client.get("/mentors")).text()
    # 57 + Henrik, Lone and Peter from the seed
    assert "Viser 1-50 af 60" in first and "Side 1 af 2" in first
    assert len(re.findall(r'<tr id="mentor-', first)) == 50
    second = await (await dash.client.get("/mentors?page=2")).text()
    assert "Viser 51-60 af 60" in second and len(re.findall(r'<tr id="mentor-', second)) == 10
    assert 'href="/mentors" rel="prev"' in second
    pending = await (await dash.client.get("/mentors?approval=pending")).text()
    assert re.findall(r'<tr id="mentor-(\d+)"', pending) == [str(dash.data.peter)]
    assert "Viser 1-1 af 1" in pending
    nonsense = await (await dash.client.get("/mentors?approval=maybe&page=x")).text()
    assert "Viser 1-50 af 60" in nonsense  # an unknown filter value is ignored, not an error


async def test_mentor_list_filters_by_area_or_postcode_start(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    page = await (await dash.client.get("/mentors?area=82")).text()
    assert re.findall(r'<tr id="mentor-(\d+)"', page) == [str(dash.data.henrik)]


async def test_audit_log_lists_changes_newest_first_and_filters_by_action_and_day(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    async with dash.runtime.sessions() as s:
        await record(s, "coordinator:1", "mentor_approved", "mentor", dash.data.henrik)
        await record(s, "system", "match_closed", "match", 7, reason="no_contact")
        await s.commit()
    await dash.login()
    page = await (await dash.client.get("/audit")).text()
    assert page.index("match_closed") < page.index("mentor_approved")
    assert "reason: no_contact" in page
    only = await (await dash.client.get("/audit?action=mentor&actor=system")).text()
    assert "Intet i loggen passer" in only
    approved = await (await dash.client.get("/audit?action=mentor_")).text()
    assert "mentor_approved" in approved and "match_closed" not in approved
    before = await (await dash.client.get("/audit?to=2026-01-01")).text()
    assert "Intet i loggen passer" in before
    since = await (await dash.client.get("/audit?from=2026-01-01&action=match")).text()
    assert "match_closed" in since and "Viser 1-1 af 1" in since
