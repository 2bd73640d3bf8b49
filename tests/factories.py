"""Builders for test data: realistic invented Danish people, one call each."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.companies import register_company
from mentoring.matches import accept_match, create_match
from mentoring.people import MentorForm, YouthForm, register_mentor, register_youth
from mentoring.programmes import current_programme
from storage.models import Match, Person, Programme
from tests.conftest import COPENHAGEN


async def programme(session: AsyncSession, today: date = date(2026, 11, 26)) -> Programme:
    return await current_programme(session, today)


async def youth(
    session: AsyncSession,
    now: datetime,
    first_name: str = "Sara",
    birth_year: int = 2004,
    situation: str = "unemployed",
    **kwargs: object,
) -> Person:
    prog = await programme(session, now.date())
    form = YouthForm(first_name=first_name, birth_year=birth_year, situation=situation)
    for key, value in kwargs.items():
        setattr(form, key, value)
    return await register_youth(session, prog.id, form, now=now)


async def mentor(
    session: AsyncSession,
    first_name: str = "Henrik",
    capacity: int = 1,
    approved: bool = True,
    company_name: str = "Tømrerfirmaet Jensen ApS",
    **kwargs: object,
) -> Person:
    prog = await programme(session)
    company = await register_company(session, prog.id, company_name, industry="construction")
    form = MentorForm(
        first_name=first_name, company_id=company.id, capacity=capacity, industry="construction"
    )
    for key, value in kwargs.items():
        setattr(form, key, value)
    return await register_mentor(session, prog.id, form, approved=approved)


async def active_pair(session: AsyncSession, now: datetime) -> tuple[Person, Person, Match]:
    y = await youth(session, now)
    m = await mentor(session)
    match = await create_match(session, y.id, m.id, now=now, tz=COPENHAGEN)
    await accept_match(session, match.id, now=now, today=now.date(), tz=COPENHAGEN)
    return y, m, match
