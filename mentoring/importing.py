"""CSV import of youths and mentors (and, with `mentoring.target_imports`, pairs, outcomes,
companies and job openings): every row validated, good rows in one transaction.

Each row runs in its own savepoint, so a rejected row leaves nothing behind and the good rows
still go in. A row already imported (same `ref`, phone or e-mail) is skipped, which makes the
import safe to run twice. Reasons are rendered from templates/errors/ in the default language.

A file uploaded on the dashboard waits in `Settings.imports_dir` until it is imported or
discarded; one left longer than UPLOAD_RETENTION is deleted by the daily retention job.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from mentoring import guardians, target_imports
from mentoring.addresses import normalise_email, normalise_phone
from mentoring.audit import record
from mentoring.companies import register_company
from mentoring.cpr import contains_cpr
from mentoring.errors import DomainError
from mentoring.people import MentorForm, YouthForm, register_mentor, register_youth
from mentoring.programmes import current_programme
from storage.models import Company, ContactPoint, Mentor, Youth

UPLOAD_RETENTION = timedelta(days=7)
"""How long an upload neither imported nor discarded is kept (names and numbers of youths):
a coordinator who checks a file on Monday may commit it any day that week, and not later."""
UPLOAD_FILES = (".csv", ".json")  # the file and its job (web.dashboard.imports)
XLSX = b"PK\x03\x04"  # a workbook (.xlsx) is a zip file
PROGRESS_EVERY = 200  # rows between progress reports that yield to other requests
REQUIRED = {
    "youths": {"first_name", "birth_year", "situation"},
    "mentors": {"first_name", "company"},
    **target_imports.REQUIRED,
}


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


class _Skip(Exception):
    """The row is already in the database."""


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace(",", ";").split(";") if v.strip()]


def _int(row: dict[str, str], column: str) -> int:
    try:
        return int((row.get(column) or "").strip())
    except ValueError:
        raise DomainError("import_not_a_number", column=column) from None


async def _already_there(
    session: AsyncSession, model: type[Youth] | type[Mentor], row: dict[str, str]
) -> bool:
    ref = (row.get("ref") or "").strip()
    if ref:
        found = await session.scalar(select(model.person_id).where(model.external_ref == ref))
        return found is not None
    for channel, column, normalise in (
        ("sms", "phone", normalise_phone),
        ("email", "email", normalise_email),
    ):
        raw = (row.get(column) or "").strip()
        if raw:
            address = normalise(raw)
            found = await session.scalar(
                select(ContactPoint.id).where(
                    ContactPoint.channel == channel, ContactPoint.address == address
                )
            )
            return found is not None
    raise DomainError("import_no_identifier")


async def _youth_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    if await _already_there(session, Youth, row):
        raise _Skip
    form = YouthForm(
        first_name=row["first_name"],
        birth_year=_int(row, "birth_year"),
        situation=row["situation"].strip(),
        target_group=(row.get("target_group") or "").strip() or None,
        interests=_split(row.get("interests")),
        postcode=(row.get("postcode") or "").strip() or None,
        area=(row.get("area") or "").strip() or None,
        phone=(row.get("phone") or "").strip() or None,
        email=(row.get("email") or "").strip() or None,
        language=(row.get("language") or runtime.settings.default_language).strip(),
        guardian_name=(row.get("guardian_name") or "").strip() or None,
        guardian_phone=(row.get("guardian_phone") or "").strip() or None,
        guardian_email=(row.get("guardian_email") or "").strip() or None,
        external_ref=(row.get("ref") or "").strip() or None,
    )
    now = runtime.clock()
    person = await register_youth(session, programme_id, form, now=now, contacts_verified=True)
    youth = await session.get(Youth, person.id)
    if youth is not None:  # an imported 15-17-year-old's guardian is told, as at sign-up
        await guardians.inform(session, runtime.renderer, runtime.settings, person, youth, now=now)


async def _mentor_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    if await _already_there(session, Mentor, row):
        raise _Skip
    name = row["company"].strip()
    cvr = (row.get("cvr") or "").strip() or None
    company = None
    if not cvr:
        company = await session.scalar(
            select(Company).where(Company.programme_id == programme_id, Company.name == name)
        )
    if company is None:
        company = await register_company(
            session, programme_id, name, cvr=cvr, industry=(row.get("industry") or None)
        )
    capacity = _int(row, "capacity") if (row.get("capacity") or "").strip() else 1
    form = MentorForm(
        first_name=row["first_name"],
        last_name=(row.get("last_name") or "").strip() or None,
        company_id=company.id,
        role_title=(row.get("role") or "").strip() or None,
        industry=(row.get("industry") or "").strip() or None,
        capacity=capacity,
        languages=_split(row.get("languages")) or ["da"],
        postcode=(row.get("postcode") or "").strip() or None,
        area=(row.get("area") or "").strip() or None,
        phone=(row.get("phone") or "").strip() or None,
        email=(row.get("email") or "").strip() or None,
        external_ref=(row.get("ref") or "").strip() or None,
    )
    # The coordinator's own list: its numbers are taken as checked, like the youths'.
    await register_mentor(session, programme_id, form, contacts_verified=True)


def _refuse_cpr(row: dict[str, str]) -> None:
    """A row with a CPR number anywhere is rejected whole (the report names only the column)."""
    for column, value in row.items():
        if isinstance(value, str) and contains_cpr(value):
            raise DomainError("import_cpr", column=column)


def decode_csv(data: bytes) -> str:
    """A CSV file's text as a spreadsheet saves it: UTF-8 (with or without the byte-order mark
    Excel writes), UTF-16 with its mark (Excel's "Unicode text"), or, failing UTF-8, Windows-1252,
    which Danish Excel uses for "CSV (semikolonsepareret)" (æ, ø and å as single bytes).
    A DomainError names what it is instead: an Excel workbook, or no text at all."""
    if data.startswith(XLSX):
        raise DomainError("import_xlsx_file")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if b"\0" in data:
            raise DomainError("import_unreadable_file")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode("cp1252")
    except UnicodeDecodeError as exc:  # UTF-16 cut short, or bytes Windows-1252 leaves out
        raise DomainError("import_unreadable_file") from exc


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Commas, semicolons (Danish Excel) or tabs, as the header line shows; a header with none of
    them (one column) is read with commas, and the missing columns are then named."""
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _rows(
    reader: csv.DictReader[str], result: ImportResult, reason: Callable[..., str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows with their line; where the csv module cannot go on (a quote never closed
    swallowed the rest of the file into one cell), that line is rejected and the rows before it
    still count."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            result.rejected.append((reader.line_num, reason("import_unreadable_from_line")))
            return
        yield reader.line_num, row


async def import_csv(
    runtime: Runtime,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    actor: str | None = None,
) -> ImportResult:
    """Import (or with `dry_run`, only check) the file; `progress(line, lines)` is called as
    the rows are read, for the dashboard's progress bar. An import by `actor` is audited in the
    same transaction as its rows: no crash can keep the rows and lose the record of them."""
    result = ImportResult()
    language = runtime.settings.default_language

    def reason(key: str, **params: Any) -> str:
        return runtime.renderer.error(key, language, channel="cli", **params)

    try:
        text = decode_csv(await asyncio.to_thread(path.read_bytes))
    except OSError:
        result.rejected.append((0, reason("import_unreadable_file")))
        return result
    except DomainError as exc:
        result.rejected.append((0, reason(exc.key)))
        return result
    reader = csv.DictReader(text.splitlines(), dialect=_dialect(text))
    missing = REQUIRED[kind] - set(reader.fieldnames or [])
    if missing:
        result.rejected.append((1, reason("import_missing_columns", columns=sorted(missing))))
        return result
    handle = {"youths": _youth_row, "mentors": _mentor_row, **target_imports.HANDLERS}[kind]
    lines = len(text.splitlines())
    async with runtime.sessions() as session, session.begin():
        programme = await current_programme(session, runtime.clock().date())
        for line, row in _rows(reader, result, reason):
            if progress is not None:
                progress(line, lines)
                if line % PROGRESS_EVERY == 0:
                    await asyncio.sleep(0)  # let the status page be answered meanwhile
            try:
                _refuse_cpr(row)
                if kind in target_imports.CHECKED_FIRST:
                    await handle(session, programme.id, row, runtime)
                else:
                    async with session.begin_nested():
                        await handle(session, programme.id, row, runtime)
                result.imported += 1
            except (_Skip, target_imports.AlreadyThere):
                result.skipped += 1
            except DomainError as exc:
                result.rejected.append((line, reason(exc.key, **exc.params)))
        if dry_run:
            await session.rollback()
        elif actor is not None:
            await record(
                session, actor, "import_committed", "import", None, kind=kind,
                imported=result.imported, skipped=result.skipped, rejected=len(result.rejected),
            )  # fmt: skip
    return result


def forget_old_uploads(folder: Path, now: datetime) -> int:
    """Delete each upload (the file and its job) sent more than UPLOAD_RETENTION before `now`,
    counted from the oldest of its files (the upload itself; the job is rewritten as it runs).
    Returns how many uploads went. Blocking: run it in a thread."""
    if not folder.is_dir():
        return 0
    uploads: dict[str, list[Path]] = {}
    sent: dict[str, float] = {}
    for path in folder.iterdir():
        if path.suffix not in UPLOAD_FILES:
            continue
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # imported or discarded meanwhile
            continue
        uploads.setdefault(path.stem, []).append(path)
        sent[path.stem] = min(sent.get(path.stem, mtime), mtime)
    cut = (now - UPLOAD_RETENTION).timestamp()
    old = [token for token, at in sent.items() if at <= cut]
    for token in old:
        for path in uploads[token]:
            path.unlink(missing_ok=True)
    return len(old)
