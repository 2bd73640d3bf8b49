"""What the companies' ledger derives: each company's first and last contact, whether it is
outside the partnership agreements, and how many mentors and openings it has.

The first contact is the earliest of: the contact recorded when the company was registered or
imported (`Company.first_contact_on`), its contact log, and the sign-up day (local) of its first
mentor. The last contact is the latest of the same. A company is outside the partnerships unless
a partnership agreement covered the day of its first contact (an agreement without a from date
covers every day up to its to date); one never contacted is outside unless it is a partner.
The targets, the digest, the report and the companies page all read these, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OpeningStatus
from storage.models import Company, ContactLogEntry, JobOpening, Mentor, Person


@dataclass(frozen=True)
class CompanyDays:
    company_id: int
    first: date | None  # first contact (None: not contacted yet)
    last: date | None  # latest contact
    outside: bool  # outside the partnership agreements (see the module's rule)
    mentors: int  # mentors of the company
    openings: int  # confirmed job openings (a mentor's unconfirmed lead left out)


def covered(company: Company, day: date) -> bool:
    """Whether the company's partnership agreement covers `day`."""
    if company.partner_kind is None:
        return False
    return (company.partner_from is None or company.partner_from <= day) and (
        company.partner_to is None or day <= company.partner_to
    )


async def company_days(
    session: AsyncSession, programme_id: int, tz: ZoneInfo, *, until: date | None = None
) -> dict[int, CompanyDays]:
    """Every company of the programme, by id, with contacts on or before `until` (all: None)."""
    companies = list(
        await session.scalars(select(Company).where(Company.programme_id == programme_id))
    )
    log = select(
        ContactLogEntry.company_id,
        func.min(ContactLogEntry.contacted_on),
        func.max(ContactLogEntry.contacted_on),
    ).join(Company, Company.id == ContactLogEntry.company_id)
    log = log.where(Company.programme_id == programme_id)
    if until is not None:
        log = log.where(ContactLogEntry.contacted_on <= until)
    logged = {
        c: (lo, hi) for c, lo, hi in await session.execute(log.group_by(ContactLogEntry.company_id))
    }
    mentor_rows = await session.execute(
        select(Mentor.company_id, func.min(Person.created_at), func.max(Person.created_at),
               func.count())
        .join(Person, Person.id == Mentor.person_id)
        .where(Person.programme_id == programme_id, Mentor.company_id.is_not(None))
        .group_by(Mentor.company_id)
    )  # fmt: skip
    mentors = {
        c: (lo.astimezone(tz).date(), hi.astimezone(tz).date(), n) for c, lo, hi, n in mentor_rows
    }
    openings = dict(
        (c, n)
        for c, n in await session.execute(
            select(JobOpening.company_id, func.count())
            .where(
                JobOpening.programme_id == programme_id,
                JobOpening.status != OpeningStatus.PROPOSED,
            )
            .group_by(JobOpening.company_id)
        )
    )
    days: dict[int, CompanyDays] = {}
    for company in companies:
        seen = [d for d in (company.first_contact_on, *logged.get(company.id, ())) if d]
        if company.id in mentors:
            lo, hi, _ = mentors[company.id]
            seen += [lo, hi]
        if until is not None:
            seen = [d for d in seen if d <= until]
        first = min(seen, default=None)
        outside = not covered(company, first) if first else company.partner_kind is None
        days[company.id] = CompanyDays(
            company.id,
            first,
            max(seen, default=None),
            outside,
            mentors.get(company.id, (None, None, 0))[2],
            openings.get(company.id, 0),
        )
    return days
