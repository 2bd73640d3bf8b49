"""The dashboard's mentor list, one page at a time, narrowed by approval and area."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import OPEN, Approval, PersonStatus
from storage.models import Company, Coordinator, Match, Mentor, Person, Screening


def _where(programme_id: int, approval: str | None, area: str | None) -> list[ColumnElement[bool]]:
    conditions = [Person.programme_id == programme_id, Person.status != PersonStatus.ERASED]
    if approval:
        conditions.append(Mentor.approval == Approval(approval))
    if area:  # a town ("Aarhus") or the start of a postcode ("80")
        conditions.append(
            or_(func.lower(Mentor.area) == area.lower(), Mentor.postcode.startswith(area))
        )
    return conditions


async def mentor_page(
    session: AsyncSession,
    programme_id: int,
    *,
    approval: str | None = None,
    area: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[Row[Person, Mentor, str | None, int]], int]:
    """One page of the programme's mentors (not erased) with their company's name and how many
    open pairs each has now, not yet approved first, then by first name; and how many mentors
    the filters let through in all."""
    where = _where(programme_id, approval, area)
    total = await session.scalar(
        select(func.count()).select_from(Person).join(Mentor).where(*where)
    )
    open_pairs = (
        select(func.count())
        .select_from(Match)
        .where(Match.mentor_id == Mentor.person_id, Match.status.in_(OPEN))
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(Person, Mentor, Company.name, open_pairs)
            .join(Mentor, Mentor.person_id == Person.id)
            .outerjoin(Company, Company.id == Mentor.company_id)
            .where(*where)
            .order_by(Mentor.approval.desc(), Person.first_name, Person.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return rows, int(total or 0)


async def screenings_of(
    session: AsyncSession, mentor_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """These mentors' screening checks in date order: what was checked, on which day, by whom
    (the coordinator's name, else their e-mail)."""
    if not mentor_ids:
        return {}
    rows = await session.execute(
        select(Screening, Coordinator.name, Coordinator.email)
        .outerjoin(Coordinator, Coordinator.id == Screening.checked_by)
        .where(Screening.mentor_id.in_(list(mentor_ids)))
        .order_by(Screening.checked_on)
    )
    checked: dict[int, list[dict[str, Any]]] = {}
    for s, name, email in rows:
        checked.setdefault(s.mentor_id, []).append(
            {"kind": s.check_kind, "on": s.checked_on, "by": name or email}
        )
    return checked
