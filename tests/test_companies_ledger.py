"""The companies' ledger through the dashboard: one company per CVR, the contact log feeding
"companies contacted outside the partnerships", partner dates, filters, merging duplicates, and
job openings through their life (a mentor's lead counts only once confirmed)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from core.statuses import OpeningStatus
from mentoring.openings import register_job_opening
from mentoring.programmes import current_programme
from storage.db import create_engine
from storage.models import AuditEntry, Company, ContactLogEntry, JobOpening, Mentor
from storage.targets import measure_targets
from tests import test_dashboard
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import COPENHAGEN, NOW
from tests.test_dashboard import Dashboard

dash = test_dashboard.dash  # the dashboard over real HTTP, on both databases

TODAY = NOW.date()  # 2026-11-26; the dashboard's programme runs from 2026-11-01


async def _company(dash: Dashboard, name: str) -> Company:
    async with dash.runtime.sessions() as s:
        company = await s.scalar(select(Company).where(Company.name == name))
    assert company is not None, name
    return company


async def _targets(dash: Dashboard) -> tuple[int, ...]:
    async with dash.runtime.sessions() as s:
        programme = await current_programme(s, TODAY)
        figures = await measure_targets(s, programme, NOW, TODAY, COPENHAGEN)
    return figures["companies_outside"].ids


async def test_one_company_per_cvr_and_a_company_without_cvr_is_merged_into_it(
    dash: Dashboard,
) -> None:
    await dash.login()
    await dash.post("/companies", {"name": "Bager Hansen ApS", "cvr": "DK 2531 3704"})
    # The same CVR typed another way is the same company: nothing new is registered.
    await dash.post("/companies", {"name": "Bageriet Hansen", "cvr": "25313704"})
    # Someone registered it again without a CVR, logged a contact and an opening there.
    await dash.post("/companies", {"name": "Bager Hansen", "first_contact_on": ""})
    kept, duplicate = await _company(dash, "Bager Hansen ApS"), await _company(dash, "Bager Hansen")
    assert kept.cvr == "25313704"
    async with dash.runtime.sessions() as s:
        assert len((await s.scalars(select(Company).where(Company.cvr == "25313704"))).all()) == 1
    await dash.post(
        f"/companies/{duplicate.id}/log",
        {"contacted_on": "2026-11-10", "by_name": "Mette", "channel": "phone",
         "outcome": "Vil gerne høre mere", "next_step": "Møde i december"},
    )  # fmt: skip
    await dash.post(f"/companies/{duplicate.id}/contact", {"contact_name": "Jens Hansen",
                                                           "role_title": "Ejer"})  # fmt: skip
    await dash.post("/openings", {"company_id": str(duplicate.id), "kind": "smaajob"})

    page = await dash.post(
        f"/companies/{kept.id}/merge", {"duplicate_id": str(duplicate.id)}, page="/companies"
    )
    assert "Bager Hansen er lagt sammen med denne virksomhed." in page
    # The kept company's page now shows the duplicate's log, contact person and opening.
    assert "Vil gerne høre mere" in page and "Jens Hansen, Ejer" in page
    assert "10.11.2026" in page  # the first contact came with the log
    async with dash.runtime.sessions() as s:
        assert await s.get(Company, duplicate.id) is None
        opening = (await s.scalars(select(JobOpening))).one()
        assert opening.company_id == kept.id
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "company_merged"))
    assert audit is not None and audit.entity_id == kept.id
    assert audit.details["removed"] == duplicate.id and audit.details["openings"] == 1


async def test_a_different_cvr_cannot_be_merged_or_taken(dash: Dashboard) -> None:
    await dash.login()
    await dash.post("/companies", {"name": "Alfa ApS", "cvr": "25313712"})
    await dash.post("/companies", {"name": "Beta ApS", "cvr": "25313720"})
    alfa, beta = await _company(dash, "Alfa ApS"), await _company(dash, "Beta ApS")
    page = await dash.post(f"/companies/{alfa.id}/merge", {"duplicate_id": str(beta.id)})
    assert "forskellige CVR-numre" in page
    page = await dash.post(f"/companies/{alfa.id}/edit", {"name": "Alfa ApS", "cvr": "25313720"})
    assert "En anden virksomhed har det CVR-nummer: Beta ApS" in page
    assert (await dash.client.get(f"/companies/{beta.id}")).status == 200
    assert (await _company(dash, "Alfa ApS")).cvr == "25313712"


async def test_the_contact_log_feeds_companies_contacted_outside_the_partnerships(
    dash: Dashboard,
) -> None:
    await dash.login()
    # The seed's mentors' companies: Tømrerfirmaet Jensen, Kode & Co, Peters VVS have mentors
    # who signed up after the measuring moment, so none of them is contacted as of NOW.
    before = await _targets(dash)
    for name in ("Ny Kunde ApS", "Partner A/S", "Senere Partner ApS"):
        await dash.post("/companies", {"name": name, "first_contact_on": ""})
    new, partner, later = [
        await _company(dash, n) for n in ("Ny Kunde ApS", "Partner A/S", "Senere Partner ApS")
    ]
    # Registered without a contact: not contacted yet, so not counted.
    assert await _targets(dash) == before
    page = await (await dash.client.get("/companies")).text()
    assert "Endnu ikke" in page

    # Partner A/S has a Code of Care agreement from 1 October: its contact is inside it.
    await dash.post(f"/companies/{partner.id}/edit", {"name": "Partner A/S",
                    "partner_kind": "code_of_care", "partner_from": "2026-10-01"})  # fmt: skip
    # Senere Partner's agreement starts after its first contact: it was contacted outside.
    await dash.post(f"/companies/{later.id}/edit", {"name": "Senere Partner ApS",
                    "partner_kind": "other", "partner_from": "2026-11-20"})  # fmt: skip
    for company, day in ((new, "2026-11-12"), (partner, "2026-11-13"), (later, "2026-11-05")):
        await dash.post(f"/companies/{company.id}/log",
                        {"contacted_on": day, "channel": "meeting"})  # fmt: skip
    # A contact before the programme began (1 November) does not count in the period.
    await dash.post("/companies", {"name": "Gammel Kontakt ApS", "first_contact_on": ""})
    old = await _company(dash, "Gammel Kontakt ApS")
    await dash.post(f"/companies/{old.id}/log", {"contacted_on": "2026-10-20", "channel": "email"})

    after = await _targets(dash)
    # By hand: Ny Kunde (12 Nov, no agreement) and Senere Partner (5 Nov, before its agreement
    # of 20 Nov) count; Partner A/S was covered on 13 Nov; Gammel Kontakt was before 1 Nov.
    assert sorted(set(after) - set(before)) == sorted([new.id, later.id])
    assert len(after) == len(before) + 2
    page = await (await dash.client.get(f"/companies/{later.id}")).text()
    assert "05.11.2026" in page
    async with dash.runtime.sessions() as s:
        who = await s.scalar(
            select(ContactLogEntry.by_name).where(ContactLogEntry.company_id == new.id)
        )
    assert who == "Mette"  # the signed-in coordinator, when nobody else is named


async def test_companies_filters_no_contact_for_60_days_and_no_mentor_or_opening_yet(
    dash: Dashboard,
) -> None:
    await dash.login()
    rows = {"Stille ApS": 61, "Frisk ApS": 10, "Med Job ApS": 5}
    for name, days_ago in rows.items():
        await dash.post("/companies", {"name": name, "first_contact_on": ""})
        company = await _company(dash, name)
        day = (TODAY - timedelta(days=days_ago)).isoformat()
        await dash.post(f"/companies/{company.id}/log", {"contacted_on": day, "channel": "phone"})
    await dash.post("/companies", {"name": "Aldrig Kontaktet ApS", "first_contact_on": ""})
    job = await _company(dash, "Med Job ApS")
    await dash.post("/openings", {"company_id": str(job.id), "kind": "praktik"})

    quiet = await (await dash.client.get("/companies?show=quiet")).text()
    # Stille: last contact 61 days ago; never contacted counts as quiet too.
    assert "Stille ApS" in quiet and "Aldrig Kontaktet ApS" in quiet
    assert "Frisk ApS" not in quiet and "Med Job ApS" not in quiet
    no_result = await (await dash.client.get("/companies?show=no_result")).text()
    assert "Stille ApS" in no_result and "Frisk ApS" in no_result
    # Med Job has an opening; the seed's mentors' companies have mentors; never contacted
    # is not "contacted".
    assert "Med Job ApS" not in no_result and "Aldrig Kontaktet ApS" not in no_result
    assert "Tømrerfirmaet Jensen" not in no_result


async def test_a_mentors_lead_counts_as_an_opening_only_once_confirmed(dash: Dashboard) -> None:
    await dash.login()
    async with dash.runtime.transaction() as s:
        mentor = await s.get(Mentor, dash.data.lone)
        assert mentor is not None and mentor.company_id is not None
        lead = await register_job_opening(
            s, mentor.company_id, "smaajob", date(2026, 11, 20),
            mentor_id=dash.data.lone, status=OpeningStatus.PROPOSED,
        )  # fmt: skip

    async def openings() -> tuple[int, ...]:
        async with dash.runtime.sessions() as s:
            programme = await current_programme(s, TODAY)
            figures = await measure_targets(s, programme, NOW, TODAY, COPENHAGEN)
        return figures["job_openings"].ids

    page = await (await dash.client.get("/openings")).text()
    assert "Tip fra en mentor, venter på dig" in page and "Lone" in page
    assert await openings() == ()
    page = await dash.post(f"/openings/{lead.id}/confirm", {}, page="/openings")
    assert "Tippet er bekræftet" in page
    assert await openings() == (lead.id,)
    async with dash.runtime.sessions() as s:
        confirmed = await s.get(JobOpening, lead.id)
    assert confirmed is not None and confirmed.created_on == TODAY  # counts from confirmation
    await dash.post(f"/openings/{lead.id}/withdraw", {}, page="/openings")
    page = await dash.post(f"/openings/{lead.id}/fill", {"youth_id": str(dash.data.sara)})
    assert "Kun en åben jobåbning kan besættes." in page


async def test_cli_import_companies_keeps_one_company_per_cvr_and_reads_partner_kinds(
    db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        return  # the CLI runs the same code on both; one backend keeps the suite fast
    rows = (
        "name,cvr,partner,contacted_on,source\n"
        "Bager Hansen ApS,DK 2531 3704,nej,2026-11-05,outreach\n"
        "Bageriet Hansen,25313704,nej,2026-11-06,outreach\n"  # the same CVR: already there
        "Partner A/S,25313712,code_of_care,2026-11-07,partner\n"
        "Anden Aftale ApS,,ja,,partner\n"
        "Falsk ApS,12345678,nej,,outreach\n"  # the check digit does not hold
    )
    csv_file = tmp_path / "firmaer.csv"
    csv_file.write_text(rows, encoding="utf-8")
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    first = mentorbot("import", "companies", str(csv_file), env=env, cwd=tmp_path)
    assert "imported 3, already there 1, rejected 1" in first.stdout, first.stdout + first.stderr
    again = mentorbot("import", "companies", str(csv_file), env=env, cwd=tmp_path)
    assert "imported 0, already there 4, rejected 1" in again.stdout
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = {
                name: (cvr, kind)
                for name, cvr, kind in await conn.execute(
                    select(Company.name, Company.cvr, Company.partner_kind)
                )
            }
    finally:
        await engine.dispose()
    assert found == {
        "Bager Hansen ApS": ("25313704", None),
        "Partner A/S": ("25313712", "code_of_care"),
        "Anden Aftale ApS": (None, "other"),
    }
