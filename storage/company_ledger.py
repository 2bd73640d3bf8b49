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
from datetime import UTC, date, datetime, time, timedelta
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
    """Every company of the programme, by id, with contacts on or before `until` (all: None);
    one statement (correlated subqueries), whatever the number of companies."""
    log_day = ContactLogEntry.contacted_on
    logs = select(ContactLogEntry.contacted_on).where(ContactLogEntry.company_id == Company.id)
    mentors = (
        select(Person.created_at)
        .join(Mentor, Mentor.person_id == Person.id)
        .where(Mentor.company_id == Company.id)
    )
    if until is not None:
        logs = logs.where(log_day <= until)
        end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz)
        mentors = mentors.where(Person.created_at < end)
    opening_count = (
        select(func.count())
        .where(JobOpening.company_id == Company.id, JobOpening.status != OpeningStatus.PROPOSED)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Company,
            logs.with_only_columns(func.min(log_day)).scalar_subquery(),
            logs.with_only_columns(func.max(log_day)).scalar_subquery(),
            mentors.with_only_columns(func.min(Person.created_at)).scalar_subquery(),
            mentors.with_only_columns(func.max(Person.created_at)).scalar_subquery(),
            select(func.count())
            .select_from(Mentor)
            .where(Mentor.company_id == Company.id)
            .scalar_subquery(),
            opening_count,
        ).where(Company.programme_id == programme_id)
    )
    days: dict[int, CompanyDays] = {}
    for company, log_first, log_last, mentor_first, mentor_last, n_mentors, n_open in rows:
        seen = [d for d in (company.first_contact_on, log_first, log_last) if d]
        seen += [_day(m, tz) for m in (mentor_first, mentor_last) if m]
        if until is not None:
            seen = [d for d in seen if d <= until]
        first = min(seen, default=None)
        outside = not covered(company, first) if first else company.partner_kind is None
        days[company.id] = CompanyDays(
            company.id, first, max(seen, default=None), outside, int(n_mentors), int(n_open)
        )
    return days


def _day(moment: datetime, tz: ZoneInfo) -> date:
    """A stored instant's local day (SQLite hands back naive UTC from an aggregate)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()
