"""Outcomes, companies and job openings: what the programme achieves for the committee."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

from core.statuses import MATCHED, MatchStatus, PersonStatus
from mentoring.errors import DomainError, NotFound
from mentoring.lookups import require_code
from storage.models import Company, JobOpening, Match, Outcome, Person, Programme, Youth
from storage.targets import outcome_window, pair_end

STATUSES = ("education", "ordinary_job", "praktik", "loentilskud", "smaajob", "none")
SOURCES = ("register", "coordinator", "survey")
# An outcome category (the survey's and the dashboard's choices) and the status it stands for.
STATUS_OF_CATEGORY = {"still_in_school": "education"}


def normalise_cvr(raw: str) -> str:
    """'DK 1234 5674' -> '12345674'; the modulus-11 check digit must hold."""
    try:
        return str(stdnum_cvr.validate(raw))
    except StdnumError:
        raise DomainError("invalid_cvr") from None


def is_closure_record(
    programme: Programme,
    status: MatchStatus | str,
    ends_on: date | None,
    ended_at: datetime | None,
    observed_on: date,
) -> bool:
    """Before the youth's window opens (a pair still running, or a status given at its closure)
    an observation is the closure's record: it never stands in for the +3-month survey."""
    ended = ended_at.date() if ended_at and status == MatchStatus.ENDED_EARLY else None
    end = pair_end(MatchStatus(status) if ended_at else MatchStatus.ACTIVE, ends_on, ended)
    return end is None or observed_on < outcome_window(end, programme)[0]


async def register_outcome(
    session: AsyncSession,
    youth_id: int,
    category: str,
    observed_on: date,
    *,
    source: str,
    coordinator_id: int | None = None,
    statuses: Sequence[str] | None = None,
    at_closure: bool = False,
) -> Outcome:
    """Record an observation of where a youth stands: `category` (what older screens show) and
    its statuses (by default the category's own; any of STATUSES). Which observation counts for
    the targets is decided by `storage.targets` (the +3-month window, source rank)."""
    await require_code(session, "outcome", category)
    youth = await session.get(Youth, youth_id)
    if youth is None:
        raise NotFound("youth", youth_id)
    match = await session.scalar(
        select(Match)
        .where(Match.youth_id == youth_id, Match.status.in_(MATCHED))
        .order_by(Match.proposed_at.desc())
        .limit(1)
    )
    match_id = match.id if match else None
    person = await session.get(Person, youth_id)
    programme = await session.get(Programme, person.programme_id) if person else None
    if match is not None and programme is not None and not at_closure:
        at_closure = is_closure_record(
            programme, match.status, match.ends_on, match.ended_at, observed_on
        )
    outcome = Outcome(
        programme_id=person.programme_id if person else 0,
        youth_id=youth_id,
        match_id=match_id,
        target_group=youth.target_group,
        category=category,
        statuses=sorted(set(statuses))
        if statuses
        else [STATUS_OF_CATEGORY.get(category, category)],
        at_closure=at_closure,
        observed_on=observed_on,
        source=source,
        registered_by=coordinator_id,
    )
    session.add(outcome)
    await session.flush()
    return outcome


async def company_by_cvr(session: AsyncSession, programme_id: int, cvr: str) -> Company | None:
    """The programme's company registered under this CVR number, if any."""
    return await session.scalar(
        select(Company).where(Company.programme_id == programme_id, Company.cvr == cvr)
    )


async def register_company(
    session: AsyncSession,
    programme_id: int,
    name: str,
    *,
    cvr: str | None = None,
    industry: str | None = None,
    outside_partnership: bool = True,
    source: str | None = None,
    first_contact_on: date | None = None,
) -> Company:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise DomainError("invalid_company_name")
    number = normalise_cvr(cvr) if cvr else None
    if industry:
        await require_code(session, "interest", industry)
    if number:
        existing = await session.scalar(
            select(Company).where(Company.programme_id == programme_id, Company.cvr == number)
        )
        if existing is not None:
            return existing
    company = Company(
        programme_id=programme_id,
        name=name,
        cvr=number,
        industry=industry,
        outside_partnership=outside_partnership,
        source=source,
        first_contact_on=first_contact_on,
    )
    session.add(company)
    await session.flush()
    return company


async def register_job_opening(
    session: AsyncSession,
    company_id: int,
    kind: str,
    created_on: date,
    *,
    origin: str | None = None,
) -> JobOpening:
    await require_code(session, "job_kind", kind)
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound("company", company_id)
    opening = JobOpening(
        programme_id=company.programme_id,
        company_id=company_id,
        kind=kind,
        origin=origin,
        created_on=created_on,
    )
    session.add(opening)
    await session.flush()
    return opening


async def fill_job_opening(
    session: AsyncSession, opening_id: int, youth_id: int | None, filled_on: date
) -> JobOpening:
    opening = await session.get(JobOpening, opening_id)
    if opening is None:
        raise NotFound("job_opening", opening_id)
    if youth_id is not None and await session.get(Youth, youth_id) is None:
        raise NotFound("youth", youth_id)
    opening.filled_by, opening.filled_on = youth_id, filled_on
    return opening


async def outcome_rows(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[Outcome, str | None]]:
    """The programme's outcomes with the youth's first name, newest observation first."""
    return (
        await session.execute(
            select(Outcome, Person.first_name)
            .outerjoin(Person, Person.id == Outcome.youth_id)
            .where(Outcome.programme_id == programme_id)
            .order_by(Outcome.observed_on.desc(), Outcome.id.desc())
        )
    ).all()


async def matched_youths(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[int, str | None]]:
    """Id and first name of every youth who has had a pair here (an outcome can be registered)."""
    return (
        await session.execute(
            select(Person.id, Person.first_name)
            .where(
                Person.id.in_(
                    select(Match.youth_id).where(
                        Match.programme_id == programme_id, Match.status.in_(MATCHED)
                    )
                )
            )
            .order_by(Person.first_name, Person.id)
        )
    ).all()


async def companies_of(
    session: AsyncSession, programme_id: int, *, by_first_contact: bool = False
) -> Sequence[Company]:
    """The programme's companies by name, or most recently contacted first."""
    order = (
        (Company.first_contact_on.desc().nulls_last(), Company.name)
        if by_first_contact
        else (Company.name,)
    )
    return (
        await session.scalars(
            select(Company).where(Company.programme_id == programme_id).order_by(*order)
        )
    ).all()


async def opening_rows(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[JobOpening, str, str | None]]:
    """The programme's job openings with the company's name and who filled them, newest first."""
    return (
        await session.execute(
            select(JobOpening, Company.name, Person.first_name)
            .join(Company, Company.id == JobOpening.company_id)
            .outerjoin(Person, Person.id == JobOpening.filled_by)
            .where(JobOpening.programme_id == programme_id)
            .order_by(JobOpening.created_on.desc(), JobOpening.id.desc())
        )
    ).all()


async def active_youths(session: AsyncSession, programme_id: int) -> Sequence[Row[int, str | None]]:
    """Id and first name of the programme's active youths (who can fill an opening)."""
    return (
        await session.execute(
            select(Person.id, Person.first_name)
            .join(Youth, Youth.person_id == Person.id)
            .where(Person.programme_id == programme_id, Person.status == PersonStatus.ACTIVE)
            .order_by(Person.first_name, Person.id)
        )
    ).all()
