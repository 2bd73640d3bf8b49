"""Job openings: at a company, brought by a mentor, an event, outreach or a partner; open,
filled (by which youth, with that youth's outcome recorded), withdrawn, or `proposed` (a
mentor's lead from the chat, awaiting the coordinator: it counts for the job_openings target
only once confirmed, from the day it was confirmed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OpeningStatus, PersonStatus
from mentoring.errors import DomainError, NotFound
from mentoring.lookups import require_code
from mentoring.outcomes import register_outcome
from mentoring.search import Found, find_people
from storage.models import Company, JobOpening, Mentor, Person, Youth

ORIGINS = ("mentor", "event", "outreach", "partner")
# A job kind and the outcome category a youth who fills such an opening is recorded with.
OUTCOME_OF_KIND = {
    "ordinary_job": "ordinary_job",
    "smaajob": "smaajob",
    "praktik": "praktik",
    "loentilskud": "loentilskud",
    "fritidsjob": "smaajob",
    "laereplads": "education",
}


async def register_job_opening(
    session: AsyncSession,
    company_id: int,
    kind: str,
    created_on: date,
    *,
    origin: str | None = None,
    mentor_id: int | None = None,
    partner_id: int | None = None,
    title: str | None = None,
    status: OpeningStatus = OpeningStatus.OPEN,
) -> JobOpening:
    """A new opening (`status` PROPOSED for a mentor's lead awaiting the coordinator). A
    partner that brought it must be a company of the programme with a partnership; its origin
    is then "partner" unless another is given."""
    await require_code(session, "job_kind", kind)
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound("company", company_id)
    if origin is not None and origin not in ORIGINS:
        raise DomainError("dashboard_field_invalid", field="origin")
    if mentor_id is not None and await session.get(Mentor, mentor_id) is None:
        raise NotFound("mentor", mentor_id)
    if partner_id is not None:
        partner = await session.get(Company, partner_id)
        if partner is None or partner.programme_id != company.programme_id:
            raise NotFound("company", partner_id)
        if partner.partner_kind is None:
            raise DomainError("dashboard_field_invalid", field="partner_id")
    opening = JobOpening(
        programme_id=company.programme_id,
        company_id=company_id,
        kind=kind,
        origin=origin or ("mentor" if mentor_id else "partner" if partner_id else None),
        mentor_id=mentor_id,
        partner_id=partner_id,
        title=" ".join(title.split())[:120] if title else None,
        status=status,
        created_on=created_on,
    )
    session.add(opening)
    await session.flush()
    return opening


async def _opening(session: AsyncSession, opening_id: int) -> JobOpening:
    opening = await session.get(JobOpening, opening_id)
    if opening is None:
        raise NotFound("job_opening", opening_id)
    return opening


async def confirm_job_opening(session: AsyncSession, opening_id: int, on: date) -> JobOpening:
    """The coordinator confirms a mentor's lead: it is open, and counts from `on`."""
    opening = await _opening(session, opening_id)
    if opening.status != OpeningStatus.PROPOSED:
        raise DomainError("opening_not_proposed")
    opening.status, opening.created_on = OpeningStatus.OPEN, on
    return opening


async def withdraw_job_opening(session: AsyncSession, opening_id: int) -> JobOpening:
    """The company withdrew it (or the coordinator turned a lead down)."""
    opening = await _opening(session, opening_id)
    if opening.status == OpeningStatus.FILLED:
        raise DomainError("opening_filled")
    opening.status = OpeningStatus.WITHDRAWN
    return opening


async def fill_job_opening(
    session: AsyncSession,
    opening_id: int,
    youth_id: int,
    filled_on: date,
    *,
    coordinator_id: int | None = None,
) -> JobOpening:
    """A youth got the job: the opening is filled, and the youth's outcome is recorded (the
    kind's category, observed by the coordinator on the day) and linked to it."""
    opening = await _opening(session, opening_id)
    if opening.status not in (OpeningStatus.OPEN, OpeningStatus.FILLED):
        raise DomainError("opening_not_open")
    if await session.get(Youth, youth_id) is None:
        raise NotFound("youth", youth_id)
    outcome = await register_outcome(
        session,
        youth_id,
        OUTCOME_OF_KIND.get(opening.kind, "ordinary_job"),
        filled_on,
        source="coordinator",
        coordinator_id=coordinator_id,
    )
    opening.filled_by, opening.filled_on = youth_id, filled_on
    opening.status, opening.outcome_id = OpeningStatus.FILLED, outcome.id
    return opening


async def opening_rows(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[JobOpening, str, str | None, str | None, str | None]]:
    """The programme's openings with the company's name, who filled it, the mentor and the
    partner company that brought it; leads awaiting the coordinator first, then newest first."""
    filled = Person.__table__.alias("filled")
    mentor = Person.__table__.alias("mentor")
    partner = Company.__table__.alias("partner")
    return (
        await session.execute(
            select(
                JobOpening, Company.name, filled.c.first_name, mentor.c.first_name, partner.c.name
            )
            .join(Company, Company.id == JobOpening.company_id)
            .outerjoin(filled, filled.c.id == JobOpening.filled_by)
            .outerjoin(mentor, mentor.c.id == JobOpening.mentor_id)
            .outerjoin(partner, partner.c.id == JobOpening.partner_id)
            .where(JobOpening.programme_id == programme_id)
            .order_by(
                (JobOpening.status == OpeningStatus.PROPOSED).desc(),
                JobOpening.created_on.desc(),
                JobOpening.id.desc(),
            )
        )
    ).all()


async def youths_to_fill(session: AsyncSession, programme_id: int, query: str) -> Sequence[Found]:
    """The programme's active youths (who can fill an opening) that the dashboard's person
    search finds for `query` (at most `mentoring.search.LIMIT`): a short list to pick from."""
    active = (
        select(Person.id)
        .join(Youth, Youth.person_id == Person.id)
        .where(Person.programme_id == programme_id, Person.status == PersonStatus.ACTIVE)
    )
    return await find_people(session, programme_id, query, among=active)


async def mentors_of_programme(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[int, str | None]]:
    """Id and first name of the programme's mentors (who can bring an opening)."""
    return (
        await session.execute(
            select(Person.id, Person.first_name)
            .join(Mentor, Mentor.person_id == Person.id)
            .where(Person.programme_id == programme_id, Person.status != PersonStatus.ERASED)
            .order_by(Person.first_name, Person.id)
        )
    ).all()
