"""The committee report: XLSX and CSV whose totals equal the digest's, and the CLI commands."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.runtime import Runtime
from mentoring.digest import load_digest
from mentoring.report import write_report
from settings import load_settings
from tests.cli_helpers import clean_env, mentorbot
from tests.digest_dataset import CPH, NOW, WEEK, build_programme

START, END = date(2026, 8, 18), date(2026, 11, 26)


async def _runtime(db_url: str, tmp_path: Path) -> Runtime:
    settings = load_settings(database_url=db_url, data_dir=tmp_path / "data")
    return Runtime.build(settings, clock=lambda: NOW)


async def test_report_xlsx_totals_equal_the_digest(
    db_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with sessions() as session:
        built = await build_programme(session)
    async with sessions() as session:
        digest = await load_digest(session, built.programme_id, WEEK, NOW, CPH)
    runtime = await _runtime(db_url, tmp_path)
    try:
        await write_report(runtime, START, END, tmp_path / "udvalg.xlsx")
    finally:
        await runtime.close()
    book = openpyxl.load_workbook(tmp_path / "udvalg.xlsx")
    assert book.sheetnames == [
        "Mål", "Definitioner", "Bag - matchet", "Bag - holdt 3 måneder", "Bag - selvforsørgende",
        "Bag - elever i uddannelse", "Bag - praktik, løntilskud, job", "Bag - virksomheder udenfor",
        "Bag - jobåbninger", "Efter målgruppe", "Omkostninger og besparelser",
        "Årsager til afslutning", "Scorer", "Matchede og ikke-matchede", "Perioden", "Par",
        "Virksomheder kontaktet",
        "Jobåbninger", "Emner", "Emner pr. par", "Opsøgende og Code of Care",
    ]  # fmt: skip
    targets = list(book["Mål"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in targets] == [t.key for t in digest.targets]
    assert [row[2:5] for row in targets] == [
        (t.numerator, t.denominator, t.unknown) for t in digest.targets
    ]
    assert [row[9] for row in targets] == [
        "bagud med 12", "bagud med 9 procentpoint", "ikke målt endnu", "ikke målt endnu",
        "ikke målt endnu", "bagud med 2", "på sporet",
    ]  # fmt: skip
    behind = list(book["Bag - holdt 3 måneder"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in behind) == ["Freja", "Ida"]
    definitions = {r[0]: r for r in book["Definitioner"].iter_rows(min_row=2, values_only=True)}
    assert "første match" in definitions["matched"][2]
    reasons = {
        r[0]: r[3] for r in book["Årsager til afslutning"].iter_rows(min_row=2, values_only=True)
    }
    assert reasons == {"completed": 2, "youth_stopped": 1}
    pairs = book["Par"]
    header = [c.value for c in pairs[1]]
    rows = list(pairs.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(digest.pairs) == 9  # every pair but the declined one
    counted = header.index("Tæller som matchet")
    assert sum(r[counted] for r in rows) == digest.target("matched").value == 8
    full = header.index("Tæller som hele forløbet")
    assert sum(r[full] for r in rows) == digest.target("kept_3_months").numerator
    started = pairs.cell(row=2, column=header.index("Startet") + 1)
    assert isinstance(started.value, datetime) and started.number_format == "yyyy-mm-dd"
    hours = header.index("Timer i alt")
    assert sum(r[hours] for r in rows) == round((180 + 200 + 60) / 60, 2)
    period = dict(book["Perioden"].iter_rows(min_row=2, values_only=True))
    assert period["Møder holdt"] == 4  # held 2, 16, 19 and 23 November
    cost = dict(book["Omkostninger og besparelser"].iter_rows(min_row=2, values_only=True))
    assert cost["Mulig besparelse om året, kr. (regneeksempel)"] == digest.savings.total_dkk
    companies = list(book["Virksomheder kontaktet"].iter_rows(min_row=2, values_only=True))
    assert len(companies) == 4
    assert sum(r[2] == "ja" for r in companies) == digest.target("companies_outside").value
    assert book["Par"].column_dimensions["B"].width >= 8


async def test_report_csv_has_one_row_per_target_with_the_fixed_columns(
    db_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with sessions() as session:
        await build_programme(session)
    runtime = await _runtime(db_url, tmp_path)
    try:
        await write_report(runtime, START, END, tmp_path / "udvalg.csv")
    finally:
        await runtime.close()
    text = (tmp_path / "udvalg.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["target", "numerator", "denominator", "unknown", "value", "goal"]
    assert [r[0] for r in rows[1:]] == [
        "matched", "kept_3_months", "self_supporting", "students_in_education",
        "praktik_subsidy_smalljob", "companies_outside", "job_openings",
    ]  # fmt: skip
    # As of 26 November: 8 youths matched (goal 40); Freja and Ida
    # kept their pairs of 3 measured (Omar ended early); nobody's outcome window has closed.
    assert rows[1] == ["matched", "8", "40", "0", "8", "40"]
    assert rows[2] == ["kept_3_months", "2", "3", "0", "66.7", "75"]
    assert rows[3] == ["self_supporting", "0", "0", "0", "", "25"]
    assert rows[6] == ["companies_outside", "3", "10", "0", "3", "10"]


async def test_cli_digest_preview_and_report_commands(
    db_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        return  # the CLI runs the same code on both; one backend keeps the suite fast
    async with sessions() as session:
        await build_programme(session)
    env = clean_env(tmp_path / "data", DATABASE_URL=db_url)
    page = tmp_path / "digest.html"
    done = mentorbot("digest", "--week", WEEK, "--preview", str(page), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert "Uge 48" in html and "data:image/png;base64," in html
    bad = mentorbot("digest", "--week", "uge 48", "--send", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "2026-W48" in bad.stdout
    assert mentorbot("digest", "--week", WEEK, env=env, cwd=tmp_path).returncode == 2
    out = tmp_path / "udvalg.xlsx"
    args = ("report", "--from", "2026-08-18", "--to", "2026-11-29", "--out", str(out))
    done = mentorbot(*args, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames[0] == "Mål"
    wrong = mentorbot("report", "--from", "2026-12-01", "--to", "2026-11-01", "--out",
                      str(tmp_path / "x.pdf"), env=env, cwd=tmp_path)  # fmt: skip
    assert wrong.returncode == 2
