"""Recording an outcome and filling an opening by finding the youth (the person search), not by
scrolling a list of every youth: the pages list only the few youths a search finds."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import Company, JobOpening, Match, Outcome
from tests.test_dashboard import Dashboard, dash  # noqa: F401 (the fixture)


def _choices(page: str) -> list[int]:
    """The youths a page offers to pick from (its radio buttons named youth_id)."""
    radios = r'type="radio" id="[^"]+" name="youth_id" value="(\d+)"'
    return [int(v) for v in re.findall(radios, page)]


async def _get(on: Dashboard, path: str) -> str:
    response = await on.client.get(path)
    assert response.status == 200
    return await response.text()


async def test_outcome_is_registered_for_a_youth_found_by_name_phone_or_from_their_page(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    # Omar gets a pair with Lone; Sara never had one, so no outcome can be registered for her.
    await dash.post(f"/youths/{dash.data.omar}/match", {"mentor_id": str(dash.data.lone)})
    async with dash.runtime.sessions() as s:
        match = (await s.scalars(select(Match))).one()
        match.status = "active"
        await s.commit()

    page = await _get(dash, "/outcomes")
    assert _choices(page) == []  # nobody listed until the coordinator searches
    assert '<label for="find">Find den unge: navn, telefon eller e-mail</label>' in page

    assert _choices(await _get(dash, "/outcomes?find=om")) == [dash.data.omar]
    assert _choices(await _get(dash, "/outcomes?find=%2B45+2233+4466")) == [dash.data.omar]
    no_pair = await _get(dash, "/outcomes?find=sara")
    assert _choices(no_pair) == []
    assert "Ingen ung, der har haft en mentor, fundet for" in no_pair

    # From Omar's own page: a link to the form with Omar already chosen.
    person = await _get(dash, f"/people/{dash.data.omar}")
    assert f'href="/outcomes?youth={dash.data.omar}"' in person
    chosen = await _get(dash, f"/outcomes?youth={dash.data.omar}")
    assert _choices(chosen) == [dash.data.omar] and "required checked" in chosen
    assert _choices(await _get(dash, f"/outcomes?youth={dash.data.sara}")) == []

    await dash.post("/outcomes", {"youth_id": str(dash.data.omar), "category": "education"})
    async with dash.runtime.sessions() as s:
        outcomes = list(await s.scalars(select(Outcome.youth_id)))
    assert outcomes == [dash.data.omar]


async def test_opening_is_filled_by_a_youth_found_by_name(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    await dash.login()
    await dash.post("/companies", {"name": "Bager Hansen", "industry": "hospitality"})
    async with dash.runtime.sessions() as s:
        company = await s.scalar(select(Company).where(Company.name == "Bager Hansen"))
        assert company is not None
    await dash.post("/openings", {"company_id": str(company.id), "kind": "praktik"})
    async with dash.runtime.sessions() as s:
        opening = (await s.scalars(select(JobOpening))).one()

    page = await _get(dash, "/openings")
    assert _choices(page) == []  # a search field for the open opening, no list of youths
    assert f'<label for="find-{opening.id}">Find den unge, der fik det</label>' in page
    found = await _get(dash, f"/openings?fill={opening.id}&find=sa")
    assert _choices(found) == [dash.data.sara]  # Sara, not Omar

    page = await dash.post(f"/openings/{opening.id}/fill", {"youth_id": str(dash.data.sara)})
    assert "Sara (26.11.2026)" in page
