"""`mentorbot import`: good rows go in, bad rows are reported with line and reason, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.render import Renderer
from storage.models import AuditEntry, ContactPoint, Mentor, OutboxMessage, Person, Youth
from tests.cli_helpers import clean_env, mentorbot
from tests.conftest import count_rows

YOUTHS_CSV = """first_name,birth_year,situation,interests,postcode,phone,email,ref
Sara,2003,unemployed,it;retail,8000,22 33 44 55,,J-101
Omar,2001,unemployed,construction,8200,123,,J-102
Freja,2008,student_at_risk,health,8210,,freja@example.dk,J-103
Yusuf,1990,unemployed,transport,8260,28 11 99 44,,J-104
Ida,2000,unemployed,,8270,,ida@example.dk,J-105
"""


async def test_import_youths_keeps_good_rows_and_reports_bad_ones_once(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    csv_file = tmp_path / "unge.csv"
    csv_file.write_text(
        YOUTHS_CSV.replace("Freja,2008,student_at_risk", "Freja,2006,student_at_risk")
    )
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)

    first = mentorbot("import", "youths", str(csv_file), env=env, cwd=tmp_path)
    renderer = Renderer()
    assert first.returncode == 1, first.stderr
    assert f"line 3: {renderer.error('invalid_phone', 'da', channel='cli')}" in first.stdout
    age = renderer.error("age_out_of_range", "da", channel="cli", age=36, min=15, max=29)
    assert f"line 5: {age}" in first.stdout
    assert "imported 3, already there 0, rejected 2" in first.stdout
    names = set(await session.scalars(select(Person.first_name)))
    assert names == {"Sara", "Freja", "Ida"}
    assert await count_rows(session, "youths") == 3
    audit = (await session.scalars(select(AuditEntry))).one()  # with the rows it records
    assert (audit.actor, audit.action) == ("cli:import", "import_committed")
    assert audit.details == {"kind": "youths", "imported": 3, "skipped": 0, "rejected": 2}
    await session.rollback()  # end our read transaction before the CLI writes again

    again = mentorbot("import", "youths", str(csv_file), env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert "imported 0, already there 3, rejected 2" in again.stdout
    assert await count_rows(session, "people") == 3


async def test_import_dry_run_stores_nothing(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    csv_file = tmp_path / "unge.csv"
    csv_file.write_text(YOUTHS_CSV.splitlines()[0] + "\n" + YOUTHS_CSV.splitlines()[1] + "\n")
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    result = mentorbot("import", "youths", str(csv_file), "--dry-run", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "would import 1" in result.stdout
    assert await count_rows(session, "people") == 0
    assert await count_rows(session, "audit_log") == 0


async def test_import_mentors_creates_companies_and_pending_mentors(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    csv_file = tmp_path / "mentorer.csv"
    csv_file.write_text(
        "first_name;last_name;company;cvr;role;industry;capacity;email\n"
        "Henrik;Jensen;Tømrer Jensen ApS;12345674;Indehaver;construction;2;henrik@example.dk\n"
        "Lone;Madsen;Byens Bageri;;Bager;hospitality;5;lone@example.dk\n"
    )
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    result = mentorbot("import", "mentors", str(csv_file), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "line 3:" in result.stdout
    mentors = list(await session.scalars(select(Mentor)))
    assert [(m.capacity, m.approval) for m in mentors] == [(2, "pending")]
    contacts = {(c.address, c.verified) for c in await session.scalars(select(ContactPoint))}
    assert contacts == {("henrik@example.dk", True)}


async def test_import_file_without_required_columns_is_refused(tmp_path: Path) -> None:
    csv_file = tmp_path / "forkert.csv"
    csv_file.write_text("navn,alder\nSara,22\n")
    env = clean_env(tmp_path / "var")
    result = mentorbot("import", "youths", str(csv_file), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "line 1:" in result.stdout and "birth_year" in result.stdout


async def test_import_youths_under_18_take_a_guardian_phone_or_email(
    db_url: str, tmp_path: Path, session: AsyncSession
) -> None:
    csv_file = tmp_path / "unge.csv"
    csv_file.write_text(
        "first_name;birth_year;situation;phone;guardian_name;guardian_phone;guardian_email;ref\n"
        "Sara;2009;school_under_18;22 33 44 55;Mette Hansen;20 30 40 50;;J-201\n"
        "Ali;2009;school_under_18;22 33 44 56;Omar Ali;;omar@example.dk;J-202\n"
        "Noor;2009;school_under_18;22 33 44 57;Lina Noor;;lina(at)example.dk;J-203\n"
        "Emil;2009;school_under_18;22 33 44 58;;;;J-204\n"
    )
    env = clean_env(tmp_path / "var", DATABASE_URL=db_url)
    result = mentorbot("import", "youths", str(csv_file), env=env, cwd=tmp_path)
    renderer = Renderer()
    assert result.returncode == 1, result.stderr
    assert f"line 4: {renderer.error('invalid_email', 'da', channel='cli')}" in result.stdout
    assert f"line 5: {renderer.error('guardian_required', 'da', channel='cli')}" in result.stdout
    assert "telefonnummer eller e-mail på en forælder" in result.stdout
    assert "imported 2, already there 0, rejected 2" in result.stdout
    guardians = {
        (y.guardian_name, y.guardian_phone, y.guardian_email)
        for y in await session.scalars(select(Youth))
    }
    assert guardians == {
        ("Mette Hansen", "+4520304050", None),
        ("Omar Ali", None, "omar@example.dk"),
    }
    told = {
        (m.channel, m.address, m.template) for m in await session.scalars(select(OutboxMessage))
    }
    assert told == {
        ("sms", "+4520304050", "privacy_guardian_informed"),
        ("email", "omar@example.dk", "privacy_guardian_informed"),
    }
