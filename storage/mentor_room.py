"""A mentor with room: approved, active in the programme, and with fewer open pairs (proposed or
active) than their capacity. One definition for matching, the overview, the weekly digest and the
committee report, so they always count the same mentors.

Open pairs are counted in one grouped pass over the open pairs and joined, not looked up per
mentor: at national scale (50,000 mentors) the per-mentor look-up was the slower on both
databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from core.statuses import OPEN, Approval, PersonStatus
from storage.models import Match, Mentor, Person

_OPEN_PAIRS = (
    select(Match.mentor_id, func.count().label("taken"))
    .where(Match.status.in_(OPEN))
    .group_by(Match.mentor_id)
    .subquery("open_pairs")
)
# A mentor's open pairs, for the columns and order of a `mentors_with_room` select.
TAKEN = func.coalesce(_OPEN_PAIRS.c.taken, 0)


def mentors_with_room(programme_id: int, *columns: Any, only: int | None = None) -> Select[Any]:
    """`columns` (of Person, Mentor and TAKEN) of the programme's mentors with room; `only`:
    that one mentor, if they have room."""
    return (
        select(*columns)
        .select_from(Person)
        .join(Mentor, Mentor.person_id == Person.id)
        .outerjoin(_OPEN_PAIRS, _OPEN_PAIRS.c.mentor_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status == PersonStatus.ACTIVE,
            Mentor.approval == Approval.APPROVED,
            Mentor.capacity > TAKEN,
            *([Person.id == only] if only is not None else []),
        )
    )
