"""The programme a deployment runs; the first one is created with the default targets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from storage.models import Programme


async def current_programme(session: AsyncSession, today: date) -> Programme:
    """The programme running today, else the latest; one is created if there is none.

    One row in one statement (it runs for every new person): running ones first, newest first.
    """
    running = and_(Programme.starts_on <= today, Programme.ends_on >= today)
    found = await session.scalar(
        select(Programme).order_by(running.desc(), Programme.starts_on.desc()).limit(1)
    )
    if found is not None:
        return found
    programme = Programme(
        name="Erhvervsmentor",
        unit_name="Jobcenter",
        starts_on=today.replace(day=1),
        ends_on=add_months(today.replace(day=1), 24),
    )
    session.add(programme)
    await session.flush()
    return programme
