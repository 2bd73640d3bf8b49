"""Finding a person from the dashboard's search box: by name, phone number or e-mail address.

A phone number is read the way sign-up reads it (`mentoring.addresses.normalise_phone`: "22 33
44 55", "+45 2233 4455" and "0045 22334455" are the same number) and an e-mail address the way
sign-up stores it (domain in lower case), so each is one look-up in the unique (channel, address)
index. Anything else is a name: the start of a first name, or of a mentor's last name. Erased
people are never found; only the current programme is searched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from core.statuses import PersonStatus, Role
from mentoring.addresses import normalise_email, normalise_phone
from mentoring.errors import DomainError
from storage.models import ContactPoint, Mentor, Person

LIMIT = 25  # people shown for one search; a longer list asks for a narrower search
QUERY_MAX = 80


@dataclass(frozen=True)
class Found:
    person_id: int
    first_name: str | None
    last_name: str | None
    role: Role
    status: PersonStatus
    matched_on: str  # "name", "phone", "email" or "id"


def _phone(text: str) -> str | None:
    if not any(c.isdigit() for c in text) or any(c.isalpha() for c in text):
        return None
    try:
        return normalise_phone(text)
    except DomainError:
        return None


def _email(text: str) -> str | None:
    if "@" not in text:
        return None
    try:
        return normalise_email(text)
    except DomainError:
        return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts(column: QueryableAttribute[str | None], prefix: str) -> ColumnElement[bool]:
    return func.lower(column).like(_escape_like(prefix.lower()) + "%", escape="\\")


def _people(programme_id: int, among: Select[int] | None = None) -> Select[Person, str | None]:
    statement = (
        select(Person, Mentor.last_name)
        .outerjoin(Mentor, Mentor.person_id == Person.id)
        .where(Person.programme_id == programme_id, Person.status != PersonStatus.ERASED)
    )
    return statement if among is None else statement.where(Person.id.in_(among))


def _found(rows: Sequence[Row[Person, str | None]], how: str) -> list[Found]:
    return [Found(p.id, p.first_name, surname, p.role, p.status, how) for p, surname in rows]


async def find_people(
    session: AsyncSession,
    programme_id: int,
    query: str,
    *,
    limit: int = LIMIT,
    among: Select[int] | None = None,
) -> Sequence[Found]:
    """Who `query` names: the person with that phone or e-mail, else people whose first (or a
    mentor's last) name starts with it, by first name; at most `limit`. With `among` (a select
    of person ids, e.g. the youths who have had a pair), only those are found: a form's short
    list to pick one from."""
    text = " ".join(query.split())[:QUERY_MAX]
    if not text:
        return []
    phone, email = _phone(text), _email(text)
    if phone or email:
        channel, address = ("sms", phone) if phone else ("email", email)
        # The unique (channel, address) index first, then the one person: joined in one
        # statement, SQLite's planner walked the programme's people instead (345 ms at 150,000).
        owner = await session.scalar(
            select(ContactPoint.person_id).where(
                ContactPoint.channel == channel, ContactPoint.address == address
            )
        )
        statement = _people(programme_id, among).where(Person.id == (owner or 0))
        how = "phone" if phone else "email"
    else:
        conditions = [_starts(Person.first_name, text), _starts(Mentor.last_name, text)]
        first, _, last = text.partition(" ")
        if last:  # "Henrik Hansen": a mentor's first and last name
            conditions.append(_starts(Person.first_name, first) & _starts(Mentor.last_name, last))
        condition = or_(*conditions)
        statement = (
            _people(programme_id, among)
            .where(condition, Person.role != Role.UNKNOWN)
            .order_by(Person.first_name, Person.id)
        )
        how = "name"
    rows = (await session.execute(statement.limit(limit))).all()
    return _found(rows, how)


async def found_by_id(
    session: AsyncSession, programme_id: int, person_id: int, *, among: Select[int]
) -> Sequence[Found]:
    """The one person named by id (a link such as "register an outcome for Omar"), if among."""
    rows = (await session.execute(_people(programme_id, among).where(Person.id == person_id))).all()
    return _found(rows, "id")
