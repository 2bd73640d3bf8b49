"""A new person joins the programme running today; between programmes, the newest one."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.programmes import current_programme
from storage.models import Programme


def _programme(name: str, starts: date, ends: date) -> Programme:
    return Programme(name=name, unit_name="Jobcenter", starts_on=starts, ends_on=ends)


async def test_new_people_join_the_programme_running_today(session: AsyncSession) -> None:
    session.add_all(
        [
            _programme("Forår", date(2025, 1, 1), date(2025, 12, 31)),
            _programme("Nu", date(2026, 1, 1), date(2026, 12, 31)),
            _programme("Næste", date(2027, 1, 1), date(2027, 12, 31)),
        ]
    )
    await session.flush()
    assert (await current_programme(session, date(2026, 11, 26))).name == "Nu"
    assert (await current_programme(session, date(2028, 3, 1))).name == "Næste"


async def test_the_first_person_creates_the_default_programme(session: AsyncSession) -> None:
    programme = await current_programme(session, date(2026, 11, 26))
    assert programme.starts_on == date(2026, 11, 1) and programme.ends_on == date(2028, 11, 1)
    assert (await current_programme(session, date(2026, 12, 5))).id == programme.id
