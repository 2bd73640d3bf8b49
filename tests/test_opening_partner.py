"""A job opening brought by a partner company (e.g. a Code of Care partner introducing another
company): chosen on the openings form among the companies with a partnership, shown on the
openings list, and counted under the origin "partnership agreement" in the report."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from mentoring.companies import register_company
from storage.models import JobOpening, Person
from tests import test_dashboard
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

ORIGINS = "Jobåbninger der tæller med i målet, efter oprindelse"


async def test_opening_brought_by_a_partner_is_listed_and_counted_as_partner(
    dash: Dashboard,
) -> None:
    await dash.login()
    async with dash.runtime.transaction() as s:
        person = await s.get(Person, dash.data.henrik)
        assert person is not None
        partner = await register_company(
            s, person.programme_id, "Partner A/S", partner_kind="code_of_care"
        )
        new = await register_company(s, person.programme_id, "Ny Kunde ApS")
        partner_id, new_id = partner.id, new.id
    form = " ".join((await (await dash.client.get("/openings")).text()).split())
    picker = form.split('id="partner_id"')[1].split("</select>")[0]
    assert "Partner A/S" in picker and "Ny Kunde ApS" not in picker  # partners only

    page = await dash.post(
        "/openings",
        {"company_id": str(new_id), "kind": "smaajob", "partner_id": str(partner_id)},
        page="/openings",
    )
    row = " ".join(page.split()).split('<th scope="row">Ny Kunde ApS</th>')[1].split("</tr>")[0]
    assert "Partnerskabsaftale (via Partner A/S)" in row
    # A company without a partnership cannot be named as the partner who brought it.
    await dash.post(
        "/openings",
        {"company_id": str(partner_id), "kind": "smaajob", "partner_id": str(new_id)},
        page="/openings",
    )
    async with dash.runtime.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(JobOpening)) == 1

    got = await dash.client.get("/digest/report")
    assert got.status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(await got.read()))["Opsøgende og Code of Care"]
    rows = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
    # By hand: the one opening, brought by Partner A/S with no origin chosen, so "partner".
    assert rows[(ORIGINS, "Partnerskabsaftale")] == 1
    assert not any(label == ORIGINS and key != "Partnerskabsaftale" for label, key in rows)
