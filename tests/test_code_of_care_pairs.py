"""A pair whose mentor came through Code of Care (the mentor's company is a Code of Care
partner) is marked on the pair's page and on the pairs list, with the youth's one-year answer;
other pairs are not marked."""

from __future__ import annotations

from core.clock import local_date
from mentoring.companies import register_company
from mentoring.matches import accept_match, create_match
from storage.models import Mentor, Person, Youth
from tests import test_dashboard
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

MARK = "Code of Care</strong>: den unge har været uden job og uddannelse i mere end et år"


async def _pair(dash: Dashboard, youth: int, mentor: int, partner_kind: str | None) -> int:
    async with dash.runtime.transaction() as s:
        mentor_row = await s.get(Mentor, mentor)
        youth_row = await s.get(Youth, youth)
        assert mentor_row is not None and youth_row is not None
        person = await s.get(Person, mentor)
        assert person is not None
        company = await register_company(
            s, person.programme_id, f"Firma {mentor}", partner_kind=partner_kind
        )
        mentor_row.company_id = company.id
        youth_row.unemployed_over_year = True
        match = await create_match(s, youth, mentor, now=NOW, tz=COPENHAGEN)
        await accept_match(s, match.id, now=NOW, today=local_date(NOW, COPENHAGEN), tz=COPENHAGEN)
        return match.id


async def test_code_of_care_pair_shows_it_with_the_one_year_answer(dash: Dashboard) -> None:
    await dash.login()
    coc = await _pair(dash, dash.data.sara, dash.data.henrik, "code_of_care")
    other = await _pair(dash, dash.data.omar, dash.data.lone, "other")
    page = " ".join((await (await dash.client.get(f"/pairs/{coc}")).text()).split())
    assert f"<dt>Code of Care</dt><dd><strong>{MARK}</dd>" in page
    page = " ".join((await (await dash.client.get(f"/pairs/{other}")).text()).split())
    assert "Code of Care" not in page
    listing = " ".join((await (await dash.client.get("/pairs")).text()).split())
    assert listing.count(MARK) == 1
    sara_row = listing.split(f'id="pair-{coc}"')[1].split("</tr>")[0]
    assert MARK in sara_row
    omar_row = listing.split(f'id="pair-{other}"')[1].split("</tr>")[0]
    assert "Code of Care" not in omar_row
