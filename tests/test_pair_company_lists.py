"""The pairs and companies lists a page at a time, narrowed by filters in the query string, over
real HTTP on both databases."""

from __future__ import annotations

import re
from datetime import timedelta

from core.statuses import MatchStatus
from mentoring.companies import register_company
from mentoring.matches import accept_match, create_match
from storage.models import Match
from tests import factories
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard, dash  # noqa: F401  (the signed-in dashboard fixture)


async def _pair_ids(desk: Dashboard, query: str = "") -> list[int]:
    page = await (await desk.client.get(f"/pairs{query}")).text()
    return [int(i) for i in re.findall(r'<tr id="pair-(\d+)"', page)]


async def test_pairs_list_filters_by_status_target_group_mentor_and_area(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    """Sara (8000) with Henrik and Omar (2100) with Lone are active; Ida (8200, Aarhus N, a pupil
    in target group g0) is proposed to Henrik."""
    d = dash.data
    async with dash.runtime.sessions() as s:
        ida = await factories.youth(
            s, NOW - timedelta(days=3), "Ida", birth_year=2010, situation="school_under_18",
            postcode="8200", area="Aarhus N", guardian_name="Eva", guardian_phone="+4520304050",
        )  # fmt: skip
        ids = []
        for youth, mentor in ((d.sara, d.henrik), (d.omar, d.lone), (ida.id, d.henrik)):
            match = await create_match(s, youth, mentor, now=NOW, tz=COPENHAGEN)
            ids.append(match.id)
        for match_id in ids[:2]:
            await accept_match(s, match_id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
        await s.commit()
    sara_henrik, omar_lone, ida_henrik = ids
    await dash.login()
    assert await _pair_ids(dash) == [sara_henrik, omar_lone, ida_henrik]  # active first
    assert await _pair_ids(dash, "?status=active") == [sara_henrik, omar_lone]
    assert await _pair_ids(dash, "?status=proposed") == [ida_henrik]
    assert await _pair_ids(dash, "?status=completed") == []
    assert await _pair_ids(dash, "?target_group=g0") == [ida_henrik]
    assert await _pair_ids(dash, "?mentor=hen") == [sara_henrik, ida_henrik]
    assert await _pair_ids(dash, "?mentor=LONE") == [omar_lone]
    assert await _pair_ids(dash, f"?mentor={d.lone}") == [omar_lone]
    assert await _pair_ids(dash, "?mentor=%25") == []  # a LIKE wildcard is a character
    assert await _pair_ids(dash, "?area=82") == [ida_henrik]
    assert await _pair_ids(dash, "?area=aarhus+n") == [ida_henrik]
    assert await _pair_ids(dash, "?area=8") == [sara_henrik, ida_henrik]
    assert await _pair_ids(dash, "?area=8&status=active") == [sara_henrik]
    assert await _pair_ids(dash, "?status=maybe") == ids  # an unknown value is ignored
    page = await (await dash.client.get("/pairs?status=proposed&mentor=Henrik")).text()
    assert "Viser 1-1 af 1" in page
    assert '<option value="proposed" selected>' in page and 'value="Henrik"' in page
    none = await (await dash.client.get("/pairs?status=declined")).text()
    assert "Ingen par passer til det, du har valgt." in none


async def test_pairs_list_shows_fifty_a_page_and_keeps_the_filters_between_pages(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    """53 completed pairs of Henrik's and one active pair of Lone's: the active one comes first,
    and Henrik's 53 take two pages under the mentor filter."""
    d = dash.data
    async with dash.runtime.sessions() as s:
        programme = await factories.programme(s)
        done = []
        for n in range(53):
            youth = await factories.youth(
                s, NOW - timedelta(days=60), f"Ung{chr(65 + n // 26)}{chr(97 + n % 26)}"
            )
            match = Match(
                programme_id=programme.id, youth_id=youth.id, mentor_id=d.henrik,
                status=MatchStatus.COMPLETED, proposed_at=NOW - timedelta(days=50),
            )  # fmt: skip
            s.add(match)
            await s.flush()
            done.append(match.id)
        active = await create_match(s, d.omar, d.lone, now=NOW, tz=COPENHAGEN)
        await accept_match(s, active.id, now=NOW, today=NOW.date(), tz=COPENHAGEN)
        await s.commit()
    await dash.login()
    first = await (await dash.client.get("/pairs")).text()
    assert "Viser 1-50 af 54" in first and "Side 1 af 2" in first
    assert await _pair_ids(dash) == [active.id, *done[:49]]
    assert await _pair_ids(dash, "?page=2") == done[49:]
    henriks = await (await dash.client.get("/pairs?mentor=Henrik&page=2")).text()
    assert "Viser 51-53 af 53" in henriks
    assert re.findall(r'<tr id="pair-(\d+)"', henriks) == [str(i) for i in done[50:]]
    assert 'href="/pairs?mentor=Henrik" rel="prev"' in henriks


async def _company_names(desk: Dashboard, query: str = "") -> list[str]:
    page = await (await desk.client.get(f"/companies{query}")).text()
    return re.findall(r'<th scope="row"><a href="/companies/\d+">([^<]+)</a>', page)


async def test_companies_list_filters_by_partnership_industry_source_and_name(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    """The seed's three mentors' companies (construction, no agreement, no source) and two more:
    the café has a Code of Care agreement and came from an event; the bakery from outreach."""
    async with dash.runtime.sessions() as s:
        programme = await factories.programme(s)
        await register_company(
            s, programme.id, "Havnens Café ApS", industry="retail", source="event",
            partner_kind="code_of_care", first_contact_on=NOW.date() - timedelta(days=3),
        )  # fmt: skip
        await register_company(
            s, programme.id, "Bageriet Brød", industry="retail", source="outreach",
            first_contact_on=NOW.date() - timedelta(days=90),
        )  # fmt: skip
        await s.commit()
    await dash.login()
    assert await _company_names(dash, "?partner=yes") == ["Havnens Café ApS"]
    without = await _company_names(dash, "?partner=no")
    assert sorted(without) == [
        "Bageriet Brød", "Kode &amp; Co ApS", "Peters VVS", "Tømrerfirmaet Jensen ApS"
    ]  # fmt: skip
    # latest contact first: the café 3 days ago, the bakery 90 days ago
    assert await _company_names(dash, "?industry=retail") == ["Havnens Café ApS", "Bageriet Brød"]
    assert await _company_names(dash, "?industry=retail&partner=no") == ["Bageriet Brød"]
    assert await _company_names(dash, "?source=event") == ["Havnens Café ApS"]
    assert await _company_names(dash, "?name=BRØD") == ["Bageriet Brød"]
    # the existing quick filter still narrows, and with the others: the bakery is quiet
    assert await _company_names(dash, "?show=quiet&industry=retail") == ["Bageriet Brød"]
    page = await (await dash.client.get("/companies?partner=yes&show=quiet")).text()
    assert "Ingen virksomheder her." in page and "0 virksomheder" in page
    assert await _company_names(dash, "?industry=nonsense") == await _company_names(dash)


async def test_companies_list_shows_fifty_a_page_and_keeps_the_filters_between_pages(
    dash: Dashboard,  # noqa: F811 (the fixture imported above)
) -> None:
    async with dash.runtime.sessions() as s:
        programme = await factories.programme(s)
        for n in range(52):
            name = f"Firma {chr(65 + n // 26)}{chr(97 + n % 26)}"
            await register_company(s, programme.id, name, industry="office")
        await s.commit()
    await dash.login()
    first = await (await dash.client.get("/companies")).text()
    assert "55 virksomheder" in first  # 52 and the seed's three: the count is of them all
    assert "Viser 1-50 af 55" in first and "Side 1 af 2" in first
    assert len(await _company_names(dash)) == 50
    assert len(await _company_names(dash, "?page=2")) == 5
    # never contacted, so by name: Firma Aa .. Firma Bz; the second page of the office ones
    office = await (await dash.client.get("/companies?industry=office&page=2")).text()
    assert "Viser 51-52 af 52" in office
    assert await _company_names(dash, "?industry=office&page=2") == ["Firma By", "Firma Bz"]
    assert 'href="/companies?industry=office" rel="prev"' in office
