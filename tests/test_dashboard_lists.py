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


async def _waiting_ids(desk: Dashboard, query: str = "") -> list[str]:
    page = await (await desk.client.get(f"/youths{query}")).text()
    return re.findall(r'<article class="youth" id="youth-(\d+)"', page)


async def test_waiting_youths_show_fifty_a_page_longest_waiting_first(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    seeded = len(await _waiting_ids(dash))
    async with dash.runtime.sessions() as s:
        names = [f"Venter{chr(65 + n // 26)}{chr(97 + n % 26)}" for n in range(55)]
        added = [  # VenterAa has waited longest: 100 days, VenterCc 46 days
            (await factories.youth(s, NOW - timedelta(days=100 - n), name)).id
            for n, name in enumerate(names)
        ]
        await s.commit()
    total = seeded + 55
    first = await (await dash.client.get("/youths")).text()
    assert f"Viser 1-50 af {total}" in first and "Side 1 af 2" in first
    assert f"{total} unge venter" in first  # the count is of everyone waiting, not the page
    assert await _waiting_ids(dash) == [str(i) for i in added[:50]]
    second = await _waiting_ids(dash, "?page=2")
    assert second[:5] == [str(i) for i in added[50:]] and len(second) == total - 50
    batch = await (await dash.client.get("/batch")).text()
    assert "Forslaget dækker de 50 unge, der har ventet længst" in batch
    assert f"til {total} unge, der venter" in batch
    proposed = re.findall(r'name="youth_id" value="(\d+)"', batch)
    assert proposed and set(proposed) <= {str(i) for i in added[:50]}


async def test_waiting_youths_filter_by_target_group_and_area_across_pages(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    async with dash.runtime.sessions() as s:
        pupil = await factories.youth(
            s, NOW - timedelta(days=3), "Ida", birth_year=2010, situation="school_under_18",
            postcode="8200", area="Aarhus N", guardian_name="Eva", guardian_phone="+4520304050",
        )  # fmt: skip
        adult = await factories.youth(s, NOW - timedelta(days=2), "Ali", postcode="8000")
        await s.commit()
    await dash.login()
    assert await _waiting_ids(dash, "?target_group=g0") == [str(pupil.id)]
    page = await (await dash.client.get("/youths?target_group=g0")).text()
    assert "Viser 1-1 af 1" in page and '<option value="g0" selected>' in page
    assert await _waiting_ids(dash, "?area=82") == [str(pupil.id)]
    assert await _waiting_ids(dash, "?area=aarhus+n") == [str(pupil.id)]
    assert str(adult.id) in await _waiting_ids(dash, "?area=8")
    assert await _waiting_ids(dash, "?target_group=g0&area=8000") == []
    empty = await (await dash.client.get("/youths?target_group=g0&area=8000")).text()
    assert "Ingen ventende unge passer til det valgte." in empty
    everyone = await _waiting_ids(dash, "?target_group=nonsense")  # ignored, not an error
    assert {str(pupil.id), str(adult.id)} <= set(everyone)


async def test_matching_page_shows_fifty_mentors_a_page_and_the_chosen_one_from_any_page(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    """Sara (construction, 8000): Henrik (construction, 8200) scores best; 50 more carpenters
    without a postcode score alike (ties by id); Lone (IT, 2200, far away) scores least."""
    async with dash.runtime.sessions() as s:
        names = [f"Mentor{chr(65 + n // 26)}{chr(97 + n % 26)}" for n in range(50)]
        for name in names:
            await factories.mentor(s, name, phone=None)
        await s.commit()
    await dash.login()
    where = f"/youths/{dash.data.sara}/match"
    first = await (await dash.client.get(where)).text()
    rows = re.findall(r'<th scope="row">([^<]+)</th>', first)
    assert rows == ["Henrik", *names[:49]] and "52 godkendte mentorer med plads" in first
    assert "Viser 1-50 af 52" in first and "Valgt: Henrik" in first
    second = await (await dash.client.get(f"{where}?page=2")).text()
    assert re.findall(r'<th scope="row">([^<]+)</th>', second) == [names[49], "Lone"]
    assert "Viser 51-52 af 52" in second
    lone = await (await dash.client.get(f"{where}?mentor={dash.data.lone}")).text()
    assert "Valgt: Lone" in lone  # chosen on page 2, shown with page 1
    assert f'href="{where}?mentor={dash.data.lone}&amp;page=2" rel="next"' in lone
    peter = await (await dash.client.get(f"{where}?mentor={dash.data.peter}")).text()
    assert "Valgt: Henrik" in peter  # Peter is not approved: the best one is shown instead
