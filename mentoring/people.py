"""Registering youths and mentors, and finding a person by a contact point."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import Approval, ConsentKind, PersonStatus, Role
from mentoring.addresses import normalise_email, normalise_phone, tidy_name
from mentoring.errors import DomainError, NotFound
from mentoring.followups.planning import on_youth_signed_up
from mentoring.lookups import lookup, require_code
from mentoring.rules import check_capacity
from mentoring.topics import known as known_topics
from storage.models import (
    Company,
    Consent,
    ContactPoint,
    Mentor,
    Person,
    Screening,
    Youth,
)

MIN_AGE, MAX_AGE = 15, 29
SHARE_CONSENT = ConsentKind.SHARE_WITH_MENTOR


@dataclass
class YouthForm:
    first_name: str
    birth_year: int
    situation: str
    target_group: str | None = None
    interests: list[str] = field(default_factory=list)
    interests_text: str | None = None
    topics: list[str] = field(default_factory=list)  # mentoring.topics.CHOICES
    topics_text: str | None = None
    postcode: str | None = None
    area: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str = "da"
    guardian_name: str | None = None
    guardian_relation: str | None = None
    guardian_phone: str | None = None
    guardian_email: str | None = None
    external_ref: str | None = None
    # Out of job and education for more than one continuous year (the youth's own answer).
    unemployed_over_year: bool | None = None


@dataclass
class MentorForm:
    first_name: str
    last_name: str | None = None
    company_id: int | None = None
    role_title: str | None = None
    industry: str | None = None
    capacity: int = 1
    languages: list[str] = field(default_factory=lambda: ["da"])
    postcode: str | None = None
    area: str | None = None
    availability: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str = "da"
    external_ref: str | None = None


def age_in(birth_year: int, today: date) -> int:
    """Age by birth year, the only date of birth we keep."""
    return today.year - birth_year


def check_postcode(postcode: str | None) -> str | None:
    if postcode is None or postcode == "":
        return None
    if not (len(postcode) == 4 and postcode.isdigit() and postcode[0] != "0"):
        raise DomainError("invalid_postcode", postcode=postcode)
    return postcode


async def resolve_target_group(
    session: AsyncSession, situation: str, age: int, target_group: str | None
) -> str:
    """The target group must fit the age and the situation; without one, the situation decides."""
    sit = await require_code(session, "situation", situation)
    if age < sit.get("min_age", MIN_AGE) or age > sit.get("max_age", MAX_AGE):
        raise DomainError("situation_does_not_fit_age", situation=situation, age=age)
    group = target_group or sit["target_group"]
    attrs = await require_code(session, "target_group", group)
    if not attrs["min_age"] <= age <= attrs["max_age"]:
        raise DomainError("target_group_does_not_fit_age", target_group=group, age=age)
    if situation == "student_at_risk" and group != "student":
        raise DomainError("target_group_does_not_fit_situation", target_group=group)
    return group


async def add_contact(
    session: AsyncSession, person: Person, channel: str, address: str, *, verified: bool
) -> ContactPoint:
    """Attach a contact point; one address belongs to one person only."""
    existing = await session.scalar(
        select(ContactPoint).where(ContactPoint.channel == channel, ContactPoint.address == address)
    )
    if existing is not None:
        if existing.person_id != person.id:
            raise DomainError("contact_in_use", channel=channel)
        return existing
    point = ContactPoint(person_id=person.id, channel=channel, address=address, verified=verified)
    session.add(point)
    return point


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def youth_by_id(session: AsyncSession, person_id: int) -> Youth | None:
    """The youth's own details (None for a mentor or someone half-way through sign-up)."""
    return await session.get(Youth, person_id)


async def mentor_by_id(session: AsyncSession, person_id: int) -> Mentor | None:
    """The mentor's own details (None for a youth or someone half-way through sign-up)."""
    return await session.get(Mentor, person_id)


async def contact_points_of(session: AsyncSession, person_id: int) -> list[ContactPoint]:
    """Every address we keep for the person, as "my data" shows them."""
    return list(
        await session.scalars(select(ContactPoint).where(ContactPoint.person_id == person_id))
    )


async def person_by_contact(session: AsyncSession, channel: str, address: str) -> Person | None:
    return await session.scalar(
        select(Person)
        .join(ContactPoint, ContactPoint.person_id == Person.id)
        .where(ContactPoint.channel == channel, ContactPoint.address == address)
    )


async def register_youth(
    session: AsyncSession,
    programme_id: int,
    form: YouthForm,
    *,
    now: datetime,
    person: Person | None = None,
    contacts_verified: bool = False,
) -> Person:
    """Validate and store a youth. `person` is the half-signed-up chat person, if any."""
    today = now.date()
    first_name = tidy_name(form.first_name)
    age = age_in(form.birth_year, today)
    if not MIN_AGE <= age <= MAX_AGE:
        raise DomainError("age_out_of_range", age=age, min=MIN_AGE, max=MAX_AGE)
    group = await resolve_target_group(session, form.situation, age, form.target_group)
    known = await lookup(session, "interest")
    unknown = [i for i in form.interests if i not in known]
    if unknown:
        raise DomainError("unknown_interest", code=unknown[0])
    phone = normalise_phone(form.phone) if form.phone else None
    email = normalise_email(form.email) if form.email else None
    guardian_phone = normalise_phone(form.guardian_phone) if form.guardian_phone else None
    guardian_email = normalise_email(form.guardian_email) if form.guardian_email else None
    if age < 18 and not (form.guardian_name and (guardian_phone or guardian_email)):
        raise DomainError("guardian_required")

    if person is None:
        person = Person(programme_id=programme_id, role=Role.YOUTH, created_at=now)
        session.add(person)
    person.role, person.first_name, person.language = Role.YOUTH, first_name, form.language
    person.status = PersonStatus.ACTIVE
    await session.flush()
    session.add(
        Youth(
            person_id=person.id,
            birth_year=form.birth_year,
            target_group=group,
            situation=form.situation,
            interests=list(form.interests),
            interests_text=(form.interests_text or None),
            topics=known_topics(form.topics),
            topics_text=(form.topics_text or None),
            postcode=check_postcode(form.postcode),
            area=form.area,
            guardian_name=form.guardian_name if age < 18 else None,
            guardian_relation=form.guardian_relation if age < 18 else None,
            guardian_phone=guardian_phone if age < 18 else None,
            guardian_email=guardian_email if age < 18 else None,
            waiting_since=now,
            external_ref=form.external_ref,
            unemployed_over_year=form.unemployed_over_year,
        )
    )
    if phone:
        await add_contact(session, person, "sms", phone, verified=contacts_verified)
    if email:
        await add_contact(session, person, "email", email, verified=contacts_verified)
    await session.flush()
    await on_youth_signed_up(session, person.id, programme_id, now)
    return person


async def record_consent(
    session: AsyncSession, person_id: int, kind: str, text_version: str, channel: str | None
) -> None:
    session.add(Consent(person_id=person_id, kind=kind, text_version=text_version, channel=channel))


async def has_consent(session: AsyncSession, person_id: int, kind: str = SHARE_CONSENT) -> bool:
    found = await session.scalar(
        select(Consent.id).where(
            Consent.person_id == person_id, Consent.kind == kind, Consent.withdrawn_at.is_(None)
        )
    )
    return found is not None


async def youths_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Youth]:
    """The youth details of these people, by person id."""
    if not ids:
        return {}
    found = await session.scalars(select(Youth).where(Youth.person_id.in_(ids)))
    return {y.person_id: y for y in found}


async def consented(session: AsyncSession, ids: list[int], kind: str = SHARE_CONSENT) -> set[int]:
    """Which of these people have given (and not withdrawn) the consent `kind`."""
    if not ids:
        return set()
    rows = await session.scalars(
        select(Consent.person_id).where(
            Consent.person_id.in_(ids), Consent.kind == kind, Consent.withdrawn_at.is_(None)
        )
    )
    return set(rows)


async def register_mentor(
    session: AsyncSession,
    programme_id: int,
    form: MentorForm,
    *,
    person: Person | None = None,
    approved: bool = False,
    contacts_verified: bool = False,
) -> Person:
    first_name = tidy_name(form.first_name)
    check_capacity(form.capacity)
    if form.industry:
        await require_code(session, "interest", form.industry)
    if form.company_id is not None and await session.get(Company, form.company_id) is None:
        raise NotFound("company", form.company_id)
    phone = normalise_phone(form.phone) if form.phone else None
    email = normalise_email(form.email) if form.email else None
    if person is None:
        person = Person(programme_id=programme_id, role=Role.MENTOR)
        session.add(person)
    person.role, person.first_name, person.language = Role.MENTOR, first_name, form.language
    person.status = PersonStatus.ACTIVE
    await session.flush()
    session.add(
        Mentor(
            person_id=person.id,
            last_name=form.last_name,
            company_id=form.company_id,
            role_title=form.role_title,
            industry=form.industry,
            capacity=form.capacity,
            languages=list(form.languages),
            postcode=check_postcode(form.postcode),
            area=form.area,
            availability=form.availability,
            approval=Approval.APPROVED if approved else Approval.PENDING,
            external_ref=form.external_ref,
        )
    )
    if phone:
        await add_contact(session, person, "sms", phone, verified=contacts_verified)
    if email:
        await add_contact(session, person, "email", email, verified=contacts_verified)
    await session.flush()
    return person


async def approve_mentor(
    session: AsyncSession,
    mentor_id: int,
    coordinator_id: int | None,
    checks: list[tuple[str, date]],
    *,
    now: datetime,
) -> Mentor:
    """Approve after screening; what was checked, when and by whom is kept, never the document."""
    mentor = await session.get(Mentor, mentor_id)
    if mentor is None:
        raise NotFound("mentor", mentor_id)
    if not checks:
        raise DomainError("screening_required")
    for kind, checked_on in checks:
        session.add(
            Screening(
                mentor_id=mentor_id,
                check_kind=kind,
                checked_on=checked_on,
                checked_by=coordinator_id,
            )
        )
    mentor.approval, mentor.approved_by, mentor.approved_at = Approval.APPROVED, coordinator_id, now
    return mentor


async def set_capacity(session: AsyncSession, mentor_id: int, capacity: int) -> int:
    """How many pairs the mentor takes at once (within `MENTOR_CAPACITY`); the old value back."""
    check_capacity(capacity)
    mentor = await session.get(Mentor, mentor_id)
    if mentor is None:
        raise NotFound("mentor", mentor_id)
    before = mentor.capacity
    mentor.capacity = capacity
    return before
