"""The business side in the report and the digest, through the CLI: job openings per origin,
sign-ups per source, and the share of Code of Care pairs whose youth has been out of job and
education for more than a year, each worked out by hand from a small programme."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.statuses import OpeningStatus
from mentoring.companies import register_company
from mentoring.matches import accept_match, create_match
from mentoring.openings import register_job_opening
from mentoring.outreach import create_source
from storage.models import Mentor
from tests import factories
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import COPENHAGEN, NOW

SIGNED = NOW - timedelta(days=20)  # 6 November 2026; the programme runs from 1 November


async def _programme(session: AsyncSession) -> None:
    programme = await factories.programme(session)
    school = await create_source(session, programme.id, "school", "Viborg Gymnasium", code="VGYM")
    partner = await register_company(
        session, programme.id, "Partner A/S", partner_kind="code_of_care",
        first_contact_on=date(2026, 11, 2),
    )  # fmt: skip
    other = await register_company(session, programme.id, "Anden ApS")
    mentors = {}
    for name, company in (("Henrik", partner), ("Lone", partner), ("Peter", other)):
        mentor = await factories.mentor(session, name, capacity=3)
        mentor.created_at = SIGNED
        row = await session.get(Mentor, mentor.id)
        assert row is not None
        row.company_id = company.id
        mentors[name] = mentor
    pairs = [
        ("Asta", True, "Henrik", "+4522334511"),
        ("Bo", False, "Henrik", "+4522334512"),
        ("Carl", None, "Lone", "+4522334513"),
        ("Dina", True, "Peter", "+4522334514"),
    ]
    for name, one_year, mentor, phone in pairs:
        youth = await factories.youth(
            session, SIGNED, name, phone=phone, unemployed_over_year=one_year
        )
        if name in ("Asta", "Bo"):
            youth.source_id = school.id
        match = await create_match(session, youth.id, mentors[mentor].id, now=SIGNED,
                                   tz=COPENHAGEN)  # fmt: skip
        await accept_match(session, match.id, now=SIGNED, today=SIGNED.date(), tz=COPENHAGEN)
    day = date(2026, 11, 10)
    for origin in ("mentor", "mentor", "event", None):
        await register_job_opening(session, partner.id, "smaajob", day, origin=origin)
    lone = mentors["Lone"].id
    await register_job_opening(
        session, partner.id, "praktik", day, mentor_id=lone, status=OpeningStatus.PROPOSED
    )
    await session.commit()


async def test_report_and_digest_show_openings_per_origin_sources_and_the_one_year_share(
    db_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        return  # the CLI runs the same code on both; one backend keeps the suite fast
    async with sessions() as session:
        await _programme(session)
    env = clean_env(tmp_path / "data", DATABASE_URL=db_url)
    out = tmp_path / "udvalg.xlsx"
    done = mentorbot("report", "--from", "2026-11-01", "--to", "2026-11-26", "--out", str(out),
                     env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["Opsøgende og Code of Care"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    by_label = {(r[0], r[1]): r[2:] for r in rows}
    # By hand: openings with origin mentor 2, event 1, none 1; Lone's lead is not confirmed.
    origins = "Jobåbninger der tæller med i målet, efter oprindelse"
    assert by_label[(origins, "Gennem en mentor")][0] == 2
    assert by_label[(origins, "Ved et arrangement")][0] == 1
    assert by_label[(origins, "Oprindelse ikke angivet")][0] == 1
    # Asta and Bo came through the school, both matched, none completed yet.
    assert by_label[("Unge tilmeldt, efter kilde", "Viborg Gymnasium (school)")] == [2, 2, 0]
    assert by_label[("Unge tilmeldt, efter kilde", "Kom af sig selv")] == [2, 2, 0]
    # Code of Care pairs: Asta, Bo (Henrik) and Carl (Lone); Dina's mentor Peter is not.
    # Asta says more than a year, Bo no, Carl was not asked: 1 of 3 = 33.3 %.
    value = {r[0]: r[2] for r in rows}
    coc = "Par hvor mentoren kom via Code of Care (mentorens virksomhed er Code of Care-partner)"
    assert value[coc] == 3
    assert value["Heraf: den unge har været uden job og uddannelse i mere end et år"] == 1
    assert value["Andel af de par, procent"] == 33.3
    assert value["Heraf: ukendt (ikke spurgt eller vidste det ikke)"] == 1

    page = tmp_path / "digest.html"
    done = mentorbot("digest", "--week", "2026-W48", "--preview", str(page), env=env,
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert "Jobåbninger efter oprindelse" in html and "Gennem en mentor: 2" in html
    assert "Unge, Viborg Gymnasium: 2 tilmeldt, 2 matchet, 0 gennemført" in html
    assert "3 par med en mentor via Code of Care; i 1 af dem (33 %)" in html
