"""CSV rows for what the targets need from elsewhere (README.md, "The seven targets"): pairs run
in a spreadsheet, outcomes from the jobcenter's register, companies contacted and job openings.

Each handler checks one row and stores it, raising DomainError (the row is reported by line) or
`AlreadyThere` (a second run adds nothing); `mentoring.importing` runs them row by row.
Pairs and outcomes are checked in full before anything is written, so they need no savepoint
a row: their rows go in together at the end (a thousand rows in a second, not in tens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, MatchStatus
from mentoring import followups
from mentoring.companies import normalise_cvr, register_company
from mentoring.errors import DomainError
from mentoring.lookups import require_code
from mentoring.openings import ORIGINS, register_job_opening
from mentoring.outcomes import SOURCES, STATUSES, is_closure_record
from storage.models import Company, JobOpening, Match, Mentor, Outcome, Programme, Youth

if TYPE_CHECKING:
    from core.runtime import Runtime

REQUIRED = {
    "pairs": {"youth_ref", "mentor_ref", "starts_on", "ends_on", "status"},
    "outcomes": {"youth_ref", "observed_on", "statuses", "source"},
    "companies": {"name", "partner"},
    "openings": {"kind", "created_on"},
}
PAIR_STATUSES = MATCHED  # a pair imported from another system was formed
DAY_FIRST = re.compile(r"(\d{1,2})[-.](\d{1,2})[-.](\d{4})")
YES = {"yes", "ja", "true", "1", "y", "j", "x"}
NO = {"no", "nej", "false", "0", "n", ""}
# A partner column's words for a partnership kind ("ja" alone: another partnership agreement).
PARTNER_KINDS = {"code_of_care": "code_of_care", "coc": "code_of_care", "other": "other"}


class AlreadyThere(Exception):
    """The row is already in the database."""


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _date(row: dict[str, str], column: str, *, required: bool = True) -> date | None:
    raw = _text(row, column)
    if not raw and not required:
        return None
    day_first = DAY_FIRST.fullmatch(raw)  # 30-11-2026 or 30.11.2026, as Danish sheets write
    try:
        if day_first:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
        return date.fromisoformat(raw)
    except ValueError:
        pass
    raise DomainError("import_not_a_date", column=column, value=raw)


def _choice(row: dict[str, str], column: str, allowed: tuple[str, ...]) -> str:
    value = _text(row, column).lower()
    if value not in allowed:
        raise DomainError(
            "import_bad_value", column=column, value=value, allowed=", ".join(allowed)
        )
    return value


async def _person(session: AsyncSession, model: type[Youth] | type[Mentor], ref: str) -> int:
    """A person by import reference; every reference is read once per import (a thousand rows
    would otherwise ask a thousand times)."""
    key = f"refs:{model.__tablename__}"
    if key not in session.info:
        rows = await session.execute(
            select(model.external_ref, model.person_id).where(model.external_ref.is_not(None))
        )
        session.info[key] = {r: int(p) for r, p in rows}
    found = session.info[key].get(ref)
    if found is None:
        raise DomainError("import_unknown_ref", ref=ref)
    return int(found)


async def _pair_keys(session: AsyncSession, programme_id: int) -> set[tuple[int, int, date]]:
    """(youth, mentor, start) of the programme's pairs, read once per import."""
    if "pair_keys" not in session.info:
        rows = await session.execute(
            select(Match.youth_id, Match.mentor_id, Match.starts_on).where(
                Match.programme_id == programme_id, Match.starts_on.is_not(None)
            )
        )
        session.info["pair_keys"] = {(y, m, s) for y, m, s in rows}
    keys: set[tuple[int, int, date]] = session.info["pair_keys"]
    return keys


def _noon(day: date) -> datetime:
    """A day imported without a time: noon UTC, the same local day in Denmark all year."""
    return datetime.combine(day, time(12), tzinfo=UTC)


async def pair_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    youth_id = await _person(session, Youth, _text(row, "youth_ref"))
    mentor_id = await _person(session, Mentor, _text(row, "mentor_ref"))
    starts_on, ends_on = _date(row, "starts_on"), _date(row, "ends_on")
    assert starts_on is not None and ends_on is not None
    if ends_on <= starts_on:
        raise DomainError("import_bad_value", column="ends_on", value=str(ends_on),
                          allowed=f"> {starts_on}")  # fmt: skip
    status = MatchStatus(_choice(row, "status", PAIR_STATUSES))
    ended_on = _date(row, "ended_on", required=status != MatchStatus.ACTIVE)
    reason = _text(row, "end_reason") or ("completed" if status == MatchStatus.COMPLETED else "")
    if status == MatchStatus.COMPLETED and ended_on is not None and ended_on < ends_on:
        raise DomainError("completed_before_end", ends_on=ends_on)
    if status == MatchStatus.ENDED_EARLY and not reason:
        raise DomainError("import_bad_value", column="end_reason", value="", allowed="...")
    if reason:
        await require_code(session, "end_reason", reason)
    keys = await _pair_keys(session, programme_id)
    if (youth_id, mentor_id, starts_on) in keys:
        raise AlreadyThere
    keys.add((youth_id, mentor_id, starts_on))  # a repeated row in the same file, too
    match = Match(
        programme_id=programme_id,
        youth_id=youth_id,
        mentor_id=mentor_id,
        status=status,
        proposed_at=_noon(starts_on),
        accepted_at=_noon(starts_on),
        starts_on=starts_on,
        ends_on=ends_on,
        ended_at=_noon(ended_on) if status != MatchStatus.ACTIVE and ended_on else None,
        end_reason=reason or None,
    )
    session.add(match)
    await session.flush()
    await followups.on_pair_imported(session, match, runtime.clock(), tz=runtime.settings.tz)
    if status == MatchStatus.ACTIVE:
        youth = await session.get(Youth, youth_id)
        if youth is not None:
            youth.waiting_since = None


async def outcome_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    youth_id = await _person(session, Youth, _text(row, "youth_ref"))
    observed_on = _date(row, "observed_on")
    assert observed_on is not None
    statuses = sorted({s.strip().lower() for s in _text(row, "statuses").split(";") if s.strip()})
    unknown = [s for s in statuses if s not in STATUSES]
    if not statuses or unknown:
        raise DomainError("import_bad_value", column="statuses", value=";".join(unknown),
                          allowed=", ".join(STATUSES))  # fmt: skip
    source = _choice(row, "source", SOURCES)
    facts = await _outcome_facts(session, programme_id)
    key = (youth_id, observed_on, source, tuple(statuses))
    if key in facts.seen:
        raise AlreadyThere
    facts.seen.add(key)
    group, match = facts.youths.get(youth_id, (None, None))
    closure = match is not None and is_closure_record(
        facts.programme, match.status, match.ends_on, match.ended_at, observed_on
    )
    session.add(
        Outcome(
            programme_id=programme_id, youth_id=youth_id, match_id=match.id if match else None,
            target_group=group, category=statuses[0], statuses=statuses, at_closure=closure,
            observed_on=observed_on, source=source,
        )
    )  # fmt: skip


@dataclass
class _OutcomeFacts:
    programme: Programme
    youths: dict[int, tuple[str | None, Match | None]]  # target group, latest pair
    seen: set[tuple[int, date, str, tuple[str, ...]]]


async def _outcome_facts(session: AsyncSession, programme_id: int) -> _OutcomeFacts:
    """What an outcome row needs, read once per import: each youth's target group and latest
    pair, and the observations already there (a second run adds nothing)."""
    if "outcome_facts" not in session.info:
        programme = await session.get(Programme, programme_id)
        assert programme is not None
        youths: dict[int, tuple[str | None, Match | None]] = {
            y: (g, None)
            for y, g in await session.execute(select(Youth.person_id, Youth.target_group))
        }
        pairs = await session.scalars(
            select(Match)
            .where(Match.programme_id == programme_id, Match.status.in_(PAIR_STATUSES))
            .order_by(Match.proposed_at, Match.id)
        )
        for match in pairs:  # the latest pair stays
            youths[match.youth_id] = (youths.get(match.youth_id, (None, None))[0], match)
        seen: set[tuple[int, date, str, tuple[str, ...]]] = {
            (int(y or 0), on, src, tuple(sorted(st or ())))
            for y, on, src, st in await session.execute(
                select(
                    Outcome.youth_id, Outcome.observed_on, Outcome.source, Outcome.statuses
                ).where(Outcome.programme_id == programme_id, Outcome.youth_id.is_not(None))
            )
        }
        session.info["outcome_facts"] = _OutcomeFacts(programme, youths, seen)
    facts: _OutcomeFacts = session.info["outcome_facts"]
    return facts


async def company_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    name, cvr = _text(row, "name"), _text(row, "cvr")
    partner = _text(row, "partner").lower().replace(" ", "_")
    if partner not in YES | NO | set(PARTNER_KINDS):
        raise DomainError("import_bad_value", column="partner", value=partner,
                          allowed="ja, nej, code_of_care")  # fmt: skip
    number = normalise_cvr(cvr) if cvr else None
    found = await session.scalar(
        select(Company.id).where(
            Company.programme_id == programme_id,
            Company.cvr == number if number else Company.name == " ".join(name.split()),
        )
    )
    if found is not None:
        raise AlreadyThere
    await register_company(
        session,
        programme_id,
        name,
        cvr=number,
        partner_kind=PARTNER_KINDS.get(partner, "other" if partner in YES else None),
        source=_text(row, "source") or None,
        first_contact_on=_date(row, "contacted_on", required=False),
    )


async def opening_row(
    session: AsyncSession, programme_id: int, row: dict[str, str], runtime: Runtime
) -> None:
    cvr, name = _text(row, "company_cvr"), " ".join(_text(row, "company_name").split())
    where = Company.cvr == normalise_cvr(cvr) if cvr else Company.name == name
    company_id = await session.scalar(
        select(Company.id).where(Company.programme_id == programme_id, where)
    )
    if company_id is None:
        raise DomainError("import_unknown_company", company=cvr or name)
    kind, created_on = _text(row, "kind"), _date(row, "created_on")
    assert created_on is not None
    found = await session.scalar(
        select(JobOpening.id).where(
            JobOpening.company_id == company_id,
            JobOpening.kind == kind,
            JobOpening.created_on == created_on,
        )
    )
    if found is not None:
        raise AlreadyThere
    origin = _text(row, "origin").lower() or None
    if origin is not None and origin not in ORIGINS:
        raise DomainError("import_bad_value", column="origin", value=origin,
                          allowed=", ".join(ORIGINS))  # fmt: skip
    await register_job_opening(session, company_id, kind, created_on, origin=origin)


# Kinds whose handler checks everything before it adds a row (no savepoint needed).
CHECKED_FIRST = frozenset({"pairs", "outcomes"})
HANDLERS = {
    "pairs": pair_row,
    "outcomes": outcome_row,
    "companies": company_row,
    "openings": opening_row,
}
