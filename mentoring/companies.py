"""The companies' ledger: one company per CVR number (a company without one is allowed and can
be merged into the right one later), its partnership agreement, contact persons and contact log.

The first contact, last contact and "outside the partnerships" are derived from these by
`storage.company_ledger`, so the targets, the digest and the companies page agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

from core.statuses import PartnerKind
from mentoring.addresses import normalise_email, normalise_phone, tidy_name
from mentoring.errors import DomainError, NotFound
from mentoring.lookups import require_code
from storage.company_ledger import CompanyDays, company_days
from storage.models import (
    Company,
    CompanyContact,
    ContactLogEntry,
    EventGuest,
    GroupMember,
    JobOpening,
    Mentor,
)

CHANNELS = ("meeting", "phone", "email", "event", "visit", "other")
# The companies list's filters: no contact for this many days; contacted, no mentor or opening.
QUIET_DAYS = 60
FILTERS = ("quiet", "no_result")


def normalise_cvr(raw: str) -> str:
    """'DK 1234 5674' -> '12345674'; the modulus-11 check digit must hold."""
    try:
        return str(stdnum_cvr.validate(raw))
    except StdnumError:
        raise DomainError("invalid_cvr") from None


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 200:
        raise DomainError("invalid_company_name")
    return name


def _partner(kind: str | None) -> PartnerKind | None:
    if not kind:
        return None
    try:
        return PartnerKind(kind)
    except ValueError:
        raise DomainError("dashboard_field_invalid", field="partner_kind") from None


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
    partner_kind: str | None = None,
    partner_from: date | None = None,
    partner_to: date | None = None,
    source: str | None = None,
    first_contact_on: date | None = None,
) -> Company:
    """The company with this CVR number (one per CVR: an existing one is returned as it is),
    or a new one."""
    name = _name(name)
    number = normalise_cvr(cvr) if cvr else None
    if industry:
        await require_code(session, "interest", industry)
    if number:
        existing = await company_by_cvr(session, programme_id, number)
        if existing is not None:
            return existing
    company = Company(
        programme_id=programme_id,
        name=name,
        cvr=number,
        industry=industry,
        partner_kind=_partner(partner_kind),
        partner_from=partner_from,
        partner_to=partner_to,
        source=source,
        first_contact_on=first_contact_on,
    )
    session.add(company)
    await session.flush()
    return company


async def company_of(session: AsyncSession, programme_id: int, company_id: int) -> Company:
    company = await session.get(Company, company_id)
    if company is None or company.programme_id != programme_id:
        raise NotFound("company", company_id)
    return company


async def update_company(
    session: AsyncSession,
    company: Company,
    *,
    name: str,
    cvr: str | None,
    industry: str | None,
    partner_kind: str | None,
    partner_from: date | None,
    partner_to: date | None,
) -> list[str]:
    """Change the company's name, CVR, industry and partnership; the names of what changed.
    A CVR number another company has is refused: merge the two instead."""
    number = normalise_cvr(cvr) if cvr else None
    if number and number != company.cvr:
        other = await company_by_cvr(session, company.programme_id, number)
        if other is not None:
            raise DomainError("cvr_taken", company=other.name)
    if industry:
        await require_code(session, "interest", industry)
    if partner_from and partner_to and partner_to < partner_from:
        raise DomainError("dashboard_field_invalid", field="partner_to")
    new = {
        "name": _name(name),
        "cvr": number,
        "industry": industry or None,
        "partner_kind": _partner(partner_kind),
        "partner_from": partner_from if partner_kind else None,
        "partner_to": partner_to if partner_kind else None,
    }
    changed = [k for k, v in new.items() if getattr(company, k) != v]
    for key in changed:
        setattr(company, key, new[key])
    return changed


async def add_contact_person(
    session: AsyncSession,
    company: Company,
    name: str,
    *,
    role_title: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> CompanyContact:
    contact = CompanyContact(
        company_id=company.id,
        name=tidy_name(name, 120),
        role_title=" ".join(role_title.split())[:120] if role_title else None,
        phone=normalise_phone(phone) if phone else None,
        email=normalise_email(email) if email else None,
    )
    session.add(contact)
    await session.flush()
    return contact


async def log_contact(
    session: AsyncSession,
    company: Company,
    contacted_on: date,
    *,
    by_name: str,
    channel: str,
    outcome: str | None = None,
    next_step: str | None = None,
    next_step_on: date | None = None,
    coordinator_id: int | None = None,
) -> ContactLogEntry:
    """One contact with the company, as the coordinator writes it down."""
    if channel not in CHANNELS:
        raise DomainError("dashboard_field_invalid", field="channel")
    entry = ContactLogEntry(
        company_id=company.id,
        contacted_on=contacted_on,
        by_name=" ".join(by_name.split())[:120] or "-",
        channel=channel,
        outcome=(outcome or "").strip()[:500] or None,
        next_step=(next_step or "").strip()[:500] or None,
        next_step_on=next_step_on,
        created_by=coordinator_id,
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True)
class Merged:
    kept: int
    removed: int
    mentors: int
    openings: int
    contacts: int
    log: int


async def merge_companies(session: AsyncSession, keep: Company, duplicate: Company) -> Merged:
    """Move the duplicate's mentors, openings, contact persons and log to `keep`, take over what
    `keep` lacks (CVR, industry, partnership, earliest contact), then delete the duplicate."""
    if keep.id == duplicate.id or keep.programme_id != duplicate.programme_id:
        raise DomainError("dashboard_field_invalid", field="duplicate_id")
    if keep.cvr and duplicate.cvr and keep.cvr != duplicate.cvr:
        raise DomainError("cvr_differ", kept=keep.cvr, other=duplicate.cvr)
    moved = []
    # Event guests and group members follow too (their company, not counted in Merged).
    for model in (Mentor, JobOpening, CompanyContact, ContactLogEntry, EventGuest, GroupMember):
        result = await session.execute(
            update(model)
            .where(model.company_id == duplicate.id)
            .values(company_id=keep.id)
            .execution_options(synchronize_session=False)
        )
        moved.append(result.rowcount or 0)  # type: ignore[attr-defined]
    moved = moved[:4]
    await session.execute(  # openings the duplicate brought as a partner
        update(JobOpening)
        .where(JobOpening.partner_id == duplicate.id)
        .values(partner_id=keep.id)
        .execution_options(synchronize_session=False)
    )
    cvr = duplicate.cvr
    keep.industry = keep.industry or duplicate.industry
    keep.source = keep.source or duplicate.source
    if keep.partner_kind is None and duplicate.partner_kind is not None:
        keep.partner_kind = duplicate.partner_kind
        keep.partner_from, keep.partner_to = duplicate.partner_from, duplicate.partner_to
    firsts = [d for d in (keep.first_contact_on, duplicate.first_contact_on) if d]
    keep.first_contact_on = min(firsts, default=None)
    await session.execute(delete(Company).where(Company.id == duplicate.id))
    session.expunge(duplicate)
    if cvr and not keep.cvr:
        keep.cvr = cvr
    await session.flush()
    return Merged(keep.id, duplicate.id, *moved)


@dataclass(frozen=True)
class CompanyRow:
    company: Company
    days: CompanyDays
    today: date

    @property
    def quiet_days(self) -> int | None:
        """Days since the last contact (None: never contacted)."""
        return None if self.days.last is None else (self.today - self.days.last).days


async def company_rows(
    session: AsyncSession,
    programme_id: int,
    today: date,
    tz: ZoneInfo,
    show: str | None = None,
    *,
    partner: str | None = None,
    industry: str | None = None,
    source: str | None = None,
    name: str | None = None,
) -> list[CompanyRow]:
    """The companies the filters let through, latest contact first, with their derived days
    (one statement for the programme's ledger, a few hundred companies). `show` filters on the
    days: "quiet" = contacted, but not in the last QUIET_DAYS days (or never contacted);
    "no_result" = contacted, with no mentor and no confirmed opening yet. `partner`: "yes" with
    a partnership agreement (of any kind or period), "no" without one; `industry` and `source`
    a code; `name` a part of the name, in any case."""
    companies = (
        await session.scalars(select(Company).where(Company.programme_id == programme_id))
    ).all()
    days = await company_days(session, programme_id, tz)
    rows = [CompanyRow(c, days[c.id], today) for c in companies]
    if show == "quiet":
        edge = today - timedelta(days=QUIET_DAYS)
        rows = [r for r in rows if r.days.last is None or r.days.last <= edge]
    elif show == "no_result":
        rows = [r for r in rows if r.days.first and not r.days.mentors and not r.days.openings]
    if partner in ("yes", "no"):
        rows = [r for r in rows if (r.company.partner_kind is not None) == (partner == "yes")]
    if industry:
        rows = [r for r in rows if r.company.industry == industry]
    if source:
        rows = [r for r in rows if r.company.source == source]
    if name:
        rows = [r for r in rows if name.casefold() in r.company.name.casefold()]
    rows.sort(key=lambda r: (r.days.last is None, -(r.days.last or date.min).toordinal(),
                             r.company.name))  # fmt: skip
    return rows


async def days_of(session: AsyncSession, company: Company, tz: ZoneInfo) -> CompanyDays:
    """The company's first and last contact, whether it counts as outside, mentors, openings."""
    return (await company_days(session, company.programme_id, tz))[company.id]


async def companies_by_name(session: AsyncSession, programme_id: int) -> Sequence[Company]:
    """The programme's companies by name (the pickers)."""
    return (
        await session.scalars(
            select(Company).where(Company.programme_id == programme_id).order_by(Company.name)
        )
    ).all()


async def contact_persons(session: AsyncSession, company_id: int) -> Sequence[CompanyContact]:
    return (
        await session.scalars(
            select(CompanyContact)
            .where(CompanyContact.company_id == company_id)
            .order_by(CompanyContact.name, CompanyContact.id)
        )
    ).all()


async def contact_log(session: AsyncSession, company_id: int) -> Sequence[ContactLogEntry]:
    """The company's contact log, newest first."""
    return (
        await session.scalars(
            select(ContactLogEntry)
            .where(ContactLogEntry.company_id == company_id)
            .order_by(ContactLogEntry.contacted_on.desc(), ContactLogEntry.id.desc())
        )
    ).all()
