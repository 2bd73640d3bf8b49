"""The programme a deployment runs; the first one is created with DESIGN.md's default targets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.clock import add_months
from storage.models import Programme


async def current_programme(session: AsyncSession, today: date) -> Programme:
    """The programme running today, else the latest; one is created if there is none."""
    rows = (await session.scalars(select(Programme).order_by(Programme.starts_on.desc()))).all()
    for programme in rows:
        if programme.starts_on <= today <= programme.ends_on:
            return programme
    if rows:
        return rows[0]
    programme = Programme(
        name="Erhvervsmentor",
        unit_name="Jobcenter",
        starts_on=today.replace(day=1),
        ends_on=add_months(today.replace(day=1), 24),
    )
    session.add(programme)
    await session.flush()
    return programme
