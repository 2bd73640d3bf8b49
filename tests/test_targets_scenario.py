"""A written scenario: a programme 1 Sep 2019 - 31 Dec 2020 that ran in a spreadsheet, imported,
then measured as of 31 December 2020 by the digest, the committee report and the dashboard.

Every expected figure is worked out by hand below (README.md, "The seven targets"). The outcome
window is [end + 3 months - 14 days, end + 3 months + 45 days]; it has closed when its last day
is before 31 December 2020, which needs end + 3 months <= 15 November, i.e. an end on or before
15 August 2020.

| youth | group | pair (term) | end | window | observation that counts | self | work* |
| --- | --- | --- | --- | --- | --- | --- | --- |
| Ida | g1 | 15 Sep-15 Dec 2019, completed | 15 Dec 19 | 1 Mar-29 Apr 20 | register 20 Mar: education | yes | no |
| Ali | g1 | 1 Oct 2019-1 Jan 2020, completed | 1 Jan 20 | 18 Mar-16 May | survey 10 Apr: ordinary_job | yes | yes |
| Emma | g1 | 1 Nov 2019-1 Feb 2020, completed | 1 Feb | 17 Apr-15 Jun | coordinator 20 May: none (outranks the survey's smaajob of 1 May) | no | no |
| Noah | g1 | 10 Jan-10 Apr 2020, completed | 10 Apr | 26 Jun-24 Aug | none: his survey of 15 Sep is outside (unknown) | - | - |
| Omar | g1 | 1 Oct 2019-, ended early 20 Oct 2019 (youth stopped) | 20 Oct 19 | 6 Jan-5 Mar 20 | none (unknown) | - | - |
| Freja | g1 | 1 Jan-, ended early 15 Feb 2020 (job or education) | 15 Feb | 1 May-29 Jun | register 10 May: education;smaajob | yes | yes |
| Sara | g1 | 1 Sep-1 Dec 2020, completed | 1 Dec | not closed | - | | |
| Karl | g2 | 1 Mar-1 Jun 2020, completed | 1 Jun | 18 Aug-16 Oct | register 10 Sep: loentilskud | no | yes |
| Maja | g2 | 1 Apr-1 Jul 2020, extended to 1 Aug, completed | 1 Aug | 18 Oct-16 Dec | survey 10 Dec: education (outside the original term's window) | yes | no |
| Liv | g2 | 1 May-1 Aug 2020, completed | 1 Aug | 18 Oct-16 Dec | none (unknown) | - | - |
| Lars | g2 | 15 Jun-15 Sep 2020, completed | 15 Sep | 1 Dec-29 Jan 21: open | (survey 10 Dec not counted yet) | | |
| Jonas | g2 | 1 Dec 2019-, ended early 20 Dec (rematch); 10 Jan-10 Apr 2020, completed | 10 Apr | 26 Jun-24 Aug | coordinator 1 Jul: praktik | no | yes |
| Sofie | g0 | 1 Feb-1 May 2020, completed | 1 May | 18 Jul-15 Sep | survey 25 Jul: education | yes | no |
| Magnus | g0 | 1 Jul-1 Oct 2020, active: past its end, not closed | 1 Oct | open | | | |
| Alma | g0 | 1 Feb-, ended early 1 Mar 2020 (no contact) | 1 Mar | 18 May-16 Jul | none: the coordinator's "none" of 1 Mar is the closure's record | - | - |
| Clara | student | 20 Sep-20 Dec 2019, completed | 20 Dec 19 | 6 Mar-4 May 20 | survey 25 Mar: education | yes | no |
| Oscar | student | 15 Jan-15 Apr 2020, completed | 15 Apr | 1 Jul-29 Aug | register 5 Jul: smaajob | no | yes |
| Ella | student | 20 Feb-20 May 2020, completed | 20 May | 6 Aug-4 Oct | none (unknown) | - | - |
| Viggo | student | 15 Oct 2020-15 Jan 2021, active | | open | | | |
| Lea | student | 1 Aug-1 Nov 2020, active: past its end, not closed | 1 Nov | open | | | |
| Emil | g1 | 20 Aug-20 Nov 2019, completed: first match before the programme | | not matched | | | |
| Anna | g1 | waiting, never matched | | | | | |

*work: praktik, loentilskud, smaajob or ordinary_job.
"""  # noqa: E501 (a table reads better unwrapped)

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from core.runtime import Runtime
from mentoring.coordinators import add_coordinator
from mentoring.digest import load_digest
from mentoring.importing import import_csv
from mentoring.matches import close_match, extend_match
from mentoring.openings import confirm_job_opening
from mentoring.people import add_contact
from mentoring.programme_settings import change_settings
from mentoring.programmes import current_programme
from mentoring.report import write_report
from mentoring.topics import tag
from settings import load_settings
from storage.attribution import Comparison, Side
from storage.db import unit_of_work
from storage.models import JobOpening, Match, Meeting, Mentor, Person, Youth
from tests.conftest import COPENHAGEN
from tests.fakes.chat import Chat
from tests.runtime import make_runtime
from web.app import create_app

NOW = datetime(2021, 1, 4, 9, 0, tzinfo=UTC)  # Monday: the last complete week is 2020-W53
START, END = date(2019, 9, 1), date(2020, 12, 31)
GUARDIAN = ",Mor,+4520304050"

YOUTHS = """ref,first_name,birth_year,situation,target_group,guardian_name,guardian_phone
Y01,Ida,1998,unemployed,g1,,
Y02,Ali,1998,unemployed,g1,,
Y03,Emma,1998,unemployed,g1,,
Y04,Noah,1998,unemployed,g1,,
Y05,Omar,1998,unemployed,g1,,
Y06,Freja,1998,unemployed,g1,,
Y07,Karl,1997,unemployed,g2,,
Y08,Maja,1997,unemployed,g2,,
Y09,Liv,1997,unemployed,g2,,
Y10,Lars,1997,unemployed,g2,,
Y11,Sofie,2004,school_under_18,g0,Mor,+4520304050
Y12,Magnus,2004,school_under_18,g0,Far,+4520304051
Y13,Alma,2004,school_under_18,g0,Mor,+4520304052
Y14,Clara,2002,student_at_risk,student,,
Y15,Oscar,2002,student_at_risk,student,,
Y16,Ella,2002,student_at_risk,student,,
Y17,Viggo,2002,student_at_risk,student,,
Y18,Anna,1998,unemployed,g1,,
Y19,Emil,1998,unemployed,g1,,
Y20,Jonas,1997,unemployed,g2,,
Y21,Sara,1998,unemployed,g1,,
Y22,Lea,2002,student_at_risk,student,,
"""
# Companies first, so the mentors' companies carry their first contact day.
COMPANIES = """name,cvr,partner,contacted_on,source
Tømrer Jensen ApS,,nej,2019-10-01,mentor
Vejle Bilcenter,,nej,2020-03-15,outreach
Brugsen Vejle,,ja,2020-02-01,partner
Café Fjord,,nej,2019-08-15,event
Bager Hansen,,nej,2020-11-30,mentor
Kode og Co,,nej,2021-01-02,outreach
"""
MENTORS = """ref,first_name,company,capacity
M1,Henrik,Tømrer Jensen ApS,3
M2,Mette,Bager Hansen,3
M3,Lars,Brugsen Vejle,3
M4,Kirsten,Vejle Bilcenter,3
M5,Jens,Café Fjord,3
M6,Peter,Kode og Co,3
"""
OPENINGS = """company_cvr,company_name,kind,created_on,origin
,Tømrer Jensen ApS,praktik,2019-11-01,mentor
,Vejle Bilcenter,ordinary_job,2020-06-01,outreach
,Bager Hansen,smaajob,2020-12-31,mentor
,Café Fjord,smaajob,2019-08-31,event
,Kode og Co,laereplads,2021-01-03,outreach
,Ukendt ApS,praktik,2020-01-01,outreach
"""
PAIRS = """youth_ref,mentor_ref,starts_on,ends_on,status,end_reason,ended_on
Y01,M1,2019-09-15,2019-12-15,completed,completed,2019-12-15
Y02,M2,2019-10-01,2020-01-01,completed,completed,2020-01-01
Y03,M3,2019-11-01,2020-02-01,completed,completed,2020-02-01
Y04,M4,2020-01-10,2020-04-10,completed,completed,2020-04-10
Y05,M5,2019-10-01,2020-01-01,ended_early,youth_stopped,2019-10-20
Y06,M6,2020-01-01,2020-04-01,ended_early,youth_job_or_education,2020-02-15
Y07,M1,2020-03-01,2020-06-01,completed,completed,2020-06-01
Y08,M2,2020-04-01,2020-07-01,active,,
Y09,M3,2020-05-01,2020-08-01,completed,completed,2020-08-01
Y10,M4,2020-06-15,2020-09-15,completed,completed,2020-09-15
Y11,M5,2020-02-01,2020-05-01,completed,completed,2020-05-01
Y12,M6,2020-07-01,2020-10-01,active,,
Y13,M1,2020-02-01,2020-05-01,ended_early,no_contact,2020-03-01
Y14,M2,2019-09-20,2019-12-20,completed,completed,2019-12-20
Y15,M3,2020-01-15,2020-04-15,completed,completed,2020-04-15
Y16,M4,2020-02-20,2020-05-20,completed,completed,2020-05-20
Y17,M5,2020-10-15,2021-01-15,active,,
Y19,M6,2019-08-20,2019-11-20,completed,completed,2019-11-20
Y20,M1,2019-12-01,2020-03-01,ended_early,rematch,2019-12-20
Y20,M2,2020-01-10,2020-04-10,completed,completed,2020-04-10
Y21,M3,2020-09-01,2020-12-01,completed,completed,2020-12-01
Y22,M4,2020-08-01,2020-11-01,active,,
Y18,M5,2020-03-01,2020-06-01,completed,completed,2020-05-01
"""
OUTCOMES = """youth_ref,observed_on,statuses,source
Y01,2020-03-20,education,register
Y02,2020-04-10,ordinary_job,survey
Y03,2020-05-01,smaajob,survey
Y03,2020-05-20,none,coordinator
Y04,2020-09-15,education,survey
Y06,2020-05-10,education;smaajob,register
Y07,2020-09-10,loentilskud,register
Y08,2020-12-10,education,survey
Y10,2020-12-10,education,survey
Y11,2020-07-25,education,survey
Y13,2020-03-01,none,coordinator
Y14,2020-03-25,education,survey
Y15,2020-07-05,smaajob,register
Y19,2020-03-01,education,survey
Y20,2020-07-01,praktik,coordinator
Y99,2020-07-01,praktik,coordinator
Y02,2020-05-01,job,survey
"""

# The seven rows, worked out from the table above.
EXPECTED = [
    # 20 youths first matched inside the period: all but Anna (never) and Emil (Aug 2019).
    ["matched", "20", "150", "0", "20", "150"],
    # 15 kept (Ida, Ali, Emma, Noah, Karl, Maja, Liv, Lars, Sofie, Clara, Oscar, Ella, Emil,
    # Jonas's second pair, Sara) of 21: + 4 early ends (Omar, Freja, Alma, Jonas's first) + 2
    # past their end and not closed (Magnus, Lea), which are the unknown; Viggo's runs on.
    ["kept_3_months", "15", "21", "2", "71.4", "75"],
    # 15 matched youths' windows have closed (Ida, Ali, Emma, Noah, Omar, Freja, Karl, Maja,
    # Liv, Sofie, Alma, Clara, Oscar, Ella, Jonas); 5 without an observation in it (Noah, Omar,
    # Liv, Alma, Ella). Self-supporting: Ida, Ali, Freja, Maja, Sofie, Clara = 6.
    ["self_supporting", "6", "15", "5", "40.0", "25"],
    # Students with a closed window: Clara, Oscar, Ella; Clara in education; Ella unknown.
    ["students_in_education", "1", "3", "1", "33.3", "50"],
    # praktik, løntilskud, småjob or job: Ali, Freja, Karl, Oscar, Jonas = 5 of 15.
    ["praktik_subsidy_smalljob", "5", "15", "5", "33.3", "50"],
    # Outside and first contacted in the period: Tømrer Jensen, Vejle Bilcenter, Bager Hansen
    # (Brugsen is a partner, Café Fjord came before, Kode og Co after).
    ["companies_outside", "3", "100", "0", "3", "100"],
    # Openings created in the period: 1 Nov 2019, 1 Jun 2020, 31 Dec 2020 (imported), and
    # Henrik's lead from the chat, confirmed 20 Nov 2020 (Mette's, never confirmed, is not).
    ["job_openings", "4", "125", "0", "4", "125"],
]


def _runtime(db_url: str, tmp_path: Path) -> Runtime:
    settings = load_settings(database_url=db_url, data_dir=tmp_path / "data")
    return Runtime.build(settings, clock=lambda: NOW)


async def _import(runtime: Runtime, tmp_path: Path, kind: str, text: str) -> list[int]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    result = await import_csv(runtime, kind, path)
    again = await import_csv(runtime, kind, path)
    assert again.imported == 0, (kind, again)  # a second run adds nothing
    return [line for line, _ in result.rejected]


async def _build(runtime: Runtime, tmp_path: Path) -> None:
    async with unit_of_work(runtime.sessions) as session:
        programme = await current_programme(session, NOW.date())
        await change_settings(
            session, programme, {"starts_on": START, "ends_on": END}, actor="test",
            budget={"2019": 300_000, "2020": 750_000},
        )  # fmt: skip
    assert await _import(runtime, tmp_path, "youths", YOUTHS) == []
    assert await _import(runtime, tmp_path, "companies", COMPANIES) == []
    assert await _import(runtime, tmp_path, "mentors", MENTORS) == []
    assert await _import(runtime, tmp_path, "openings", OPENINGS) == [7]  # Ukendt ApS
    # Anna's row says completed before its end date: rejected, so she stays unmatched.
    assert await _import(runtime, tmp_path, "pairs", PAIRS) == [24]
    # Y99 is nobody; "job" is no status.
    assert await _import(runtime, tmp_path, "outcomes", OUTCOMES) == [17, 18]
    # Maja and her mentor asked for a month more; the pair was closed on its new end date.
    async with unit_of_work(runtime.sessions) as session:
        maja = await session.scalar(select(Youth.person_id).where(Youth.external_ref == "Y08"))
        pair = await session.scalar(select(Match).where(Match.youth_id == maja))
        assert pair is not None
        await extend_match(session, pair.id, tz=COPENHAGEN)
        closed_at = datetime(2020, 8, 1, 10, tzinfo=UTC)
        await close_match(
            session, pair.id, "completed", now=closed_at, today=closed_at.date(), tz=COPENHAGEN
        )
    await _topics(runtime)
    await _job_leads(runtime)


async def _job_leads(runtime: Runtime) -> None:
    """Henrik (M1) texts JOB on 16 Nov 2020 and the coordinator confirms it on 20 Nov; Mette
    (M2) texts one on 10 Dec that nobody confirms."""
    for ref, phone, day in (("M1", "+4522334401", 16), ("M2", "+4522334402", 10)):
        at = datetime(2020, 11 if ref == "M1" else 12, day, 10, tzinfo=UTC)
        async with unit_of_work(runtime.sessions) as session:
            mentor = await session.scalar(select(Mentor).where(Mentor.external_ref == ref))
            assert mentor is not None
            person = await session.get(Person, mentor.person_id)
            assert person is not None
            await add_contact(session, person, "sms", phone, verified=True)
        chat = Chat(make_runtime(runtime.engine, at, runtime.sessions), "sms", phone)
        for text in ("JOB", "2", "fra januar", "lagermedhjælper 20 t om ugen"):
            await chat.text(text)
    async with unit_of_work(runtime.sessions) as session:
        henrik = await session.scalar(select(Mentor.person_id).where(Mentor.external_ref == "M1"))
        lead = await session.scalar(select(JobOpening).where(JobOpening.mentor_id == henrik))
        assert lead is not None and lead.status == "proposed"
        await confirm_job_opening(session, lead.id, date(2020, 11, 20))


async def _topics(runtime: Runtime) -> None:
    """Ida (Y01) and Sofie (Y11) asked for help with job search; Sofie with social skills too.
    Ida's pair talked about job search on 1 Nov 2019, Sofie's about job search on 10 Mar and
    social skills on 10 Mar and 1 Apr 2020, two of them at meetings."""
    async with unit_of_work(runtime.sessions) as session:
        wishes = {"Y01": ["job_search"], "Y11": ["job_search", "social_skills"]}
        pairs = {}
        for ref, topics in wishes.items():
            youth = await session.scalar(select(Youth).where(Youth.external_ref == ref))
            assert youth is not None
            youth.topics = topics
            pairs[ref] = await session.scalar(
                select(Match.id).where(Match.youth_id == youth.person_id)
            )
        at = datetime(2019, 11, 1, 15, tzinfo=UTC)
        await tag(session, pairs["Y01"], ["job_search"], by=None, now=at)
        for day, topics in (
            (datetime(2020, 3, 10, 15, tzinfo=UTC), ["job_search", "social_skills"]),
            (datetime(2020, 4, 1, 15, tzinfo=UTC), ["social_skills"]),
        ):
            meeting = Meeting(match_id=pairs["Y11"], starts_at=day, status="held")
            session.add(meeting)
            await session.flush()
            await tag(session, pairs["Y11"], topics, by=None, now=day, meeting_id=meeting.id)


async def test_scenario_targets_agree_in_digest_report_and_dashboard(
    db_url: str, tmp_path: Path
) -> None:
    runtime = _runtime(db_url, tmp_path)
    try:
        await _build(runtime, tmp_path)
        # The report as of 31 December 2020: the seven rows.
        await write_report(runtime, START, END, tmp_path / "t.csv")
        rows = list(csv.reader((tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()))
        assert rows[0] == ["target", "numerator", "denominator", "unknown", "value", "goal"]
        assert rows[1:] == EXPECTED

        # The XLSX: the same figures, by target group, and the pairs behind them.
        await write_report(runtime, START, END, tmp_path / "t.xlsx")
        book = openpyxl.load_workbook(tmp_path / "t.xlsx")
        targets = list(book["Mål"].iter_rows(min_row=2, values_only=True))
        assert [[r[0], r[2], r[3], r[4]] for r in targets] == [
            [e[0], int(e[1]), int(e[2]), int(e[3])] for e in EXPECTED
        ]
        groups = {
            (r[0], r[1]): r[2:5] for r in book["Efter målgruppe"].iter_rows(min_row=2,
                                                                              values_only=True)
        }  # fmt: skip
        selfsup = "Selvforsørgende 3 måneder efter (uddannelse eller job)"
        # g0: Sofie of Sofie and Alma (unknown); g1: Ida, Ali, Freja of the six with closed
        # windows (Noah, Omar unknown); g2: Maja of Karl, Maja, Liv, Jonas (Liv unknown);
        # students: Clara of Clara, Oscar, Ella (Ella unknown).
        assert groups[("g0", selfsup)] == (1, 2, 1)
        assert groups[("g1", selfsup)] == (3, 6, 2)
        assert groups[("g2", selfsup)] == (1, 4, 1)
        assert groups[("student", selfsup)] == (1, 3, 1)
        kept = list(book["Bag - holdt 3 måneder"].iter_rows(min_row=2, values_only=True))
        assert sorted(r[1] for r in kept if r[4] == "Ukendt") == ["Lea", "Magnus"]
        # Too few never-matched youths to compare: the sheet says so, and what it would be.
        compared = list(book["Matchede og ikke-matchede"].iter_rows(values_only=True))
        assert "ikke et effektestimat" in compared[1][0]
        assert compared[-1][0] == "Ikke vist: færre end 20 målte unge på en af siderne."
        cost = dict(book["Omkostninger og besparelser"].iter_rows(min_row=2, values_only=True))
        assert cost["Budget i alt, kr."] == 1_050_000
        assert cost["Pris pr. matchet ung, kr."] == 52_500  # 1,050,000 / 20
        assert cost["Pris pr. selvforsørgende ung, kr."] == 175_000  # 1,050,000 / 6
        # Topics (worked out in _topics): job search by 2 pairs, once each; social skills by
        # Sofie's pair at 2 meetings; 2 youths asked for job search, 1 for social skills.
        topics = {r[0]: r[1:] for r in book["Emner"].iter_rows(min_row=2, values_only=True)}
        assert topics["Jobsøgning"] == (2, 2, 2)
        assert topics["Sociale færdigheder"] == (1, 2, 1)
        assert topics["Hverdagens udfordringer"] == (0, 0, 0)
        per_pair = list(book["Emner pr. par"].iter_rows(min_row=2, values_only=True))
        assert sorted((r[1], r[3], r[4]) for r in per_pair) == [
            ("Ida", "Jobsøgning", 1), ("Sofie", "Jobsøgning", 1),
            ("Sofie", "Sociale færdigheder", 2),
        ]  # fmt: skip

        # The weekly digest of 2020-W53 (as of Monday 4 January 2021) shows the same figures.
        async with runtime.sessions() as session:
            programme = await current_programme(session, NOW.date())
            digest = await load_digest(session, programme.id, "2020-W53", NOW, runtime.settings.tz)
        assert [[t.key, t.numerator, t.denominator, t.unknown] for t in digest.targets] == [
            [e[0], int(e[1]), int(e[2]), int(e[3])] for e in EXPECTED
        ]
        assert (digest.positive_early, digest.negative_early) == (1, 3)
        assert sorted(d.pair.youth_name for d in digest.past_end) == ["Lea", "Magnus"]

        # The dashboard's overview says it too, with the unknown and the coverage.
        await add_coordinator_and_check_dashboard(runtime)
    finally:
        await runtime.close()


async def add_coordinator_and_check_dashboard(runtime: Runtime) -> None:
    async with unit_of_work(runtime.sessions) as session:
        await add_coordinator(session, "k@vejle.dk", "et-langt-kodeord-1", name="Karen")
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        page = await (await client.get("/login")).text()
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        login = await client.post(
            "/login",
            data={"csrf": token[1], "email": "k@vejle.dk", "password": "et-langt-kodeord-1",
                  "next": "/"},
            allow_redirects=False,
        )  # fmt: skip
        assert login.status == 303
        overview = await (await client.get("/")).text()
        assert "40 % (6 af 15); 5 ukendte, 67 % kendt" in overview
        assert "71 % (15 af 21); 2 ukendte, 90 % kendt" in overview
        pairs = await (await client.get("/pairs")).text()
        assert "Forbi slutdatoen, ikke afsluttet" in pairs
        # The digest page downloads the report for a chosen period: the same seven rows.
        got = await client.get("/digest/report?from=2019-09-01&to=2020-12-31&format=csv")
        assert got.status == 200 and "attachment" in got.headers["Content-Disposition"]
        assert list(csv.reader((await got.text()).splitlines()))[1:] == EXPECTED
        xlsx = await client.get("/digest/report")  # the status so far
        assert xlsx.status == 200 and (await xlsx.read()).startswith(b"PK")
    finally:
        await client.close()


def test_attribution_interval_is_shown_only_from_twenty_measured_youths_a_side() -> None:
    # 15 of 30 matched and 5 of 25 never matched self-supporting: shares 0.50 and 0.20, a
    # difference of 0.30 with standard error sqrt(0.25/30 + 0.16/25) = 0.1214, so the 95 %
    # interval is 0.30 +- 1.96 x 0.1214 = 0.062 .. 0.538.
    both = Comparison(Side(30, 15), Side(25, 5), offset_months=6)
    assert both.shown and both.difference == pytest.approx(0.30)
    low, high = both.interval
    assert (round(low, 3), round(high, 3)) == (0.062, 0.538)
    assert not Comparison(Side(30, 15), Side(19, 5), offset_months=6).shown
