"""Outcomes: where the youths stand, what the programme achieves for the committee."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, MatchStatus
from mentoring.errors import NotFound
from mentoring.lookups import require_code
from mentoring.search import Found, find_people, found_by_id
from storage.models import Match, Outcome, Person, Programme, Youth
from storage.targets import outcome_window, pair_end

STATUSES = ("education", "ordinary_job", "praktik", "loentilskud", "smaajob", "none")
SOURCES = ("register", "coordinator", "survey")
# An outcome category (the survey's and the dashboard's choices) and the status it stands for.
STATUS_OF_CATEGORY = {"still_in_school": "education"}


def is_closure_record(
    programme: Programme,
    status: MatchStatus | str,
    ends_on: date | None,
    ended_at: datetime | None,
    observed_on: date,
) -> bool:
    """Before the youth's window opens (a pair still running, or a status given at its closure)
    an observation is the closure's record: it never stands in for the +3-month survey."""
    ended = ended_at.date() if ended_at and status == MatchStatus.ENDED_EARLY else None
    end = pair_end(MatchStatus(status) if ended_at else MatchStatus.ACTIVE, ends_on, ended)
    return end is None or observed_on < outcome_window(end, programme)[0]


async def register_outcome(
    session: AsyncSession,
    youth_id: int,
    category: str,
    observed_on: date,
    *,
    source: str,
    coordinator_id: int | None = None,
    statuses: Sequence[str] | None = None,
    at_closure: bool = False,
) -> Outcome:
    """Record an observation of where a youth stands: `category` (what older screens show) and
    its statuses (by default the category's own; any of STATUSES). Which observation counts for
    the targets is decided by `storage.targets` (the +3-month window, source rank)."""
    await require_code(session, "outcome", category)
    youth = await session.get(Youth, youth_id)
    if youth is None:
        raise NotFound("youth", youth_id)
    match = await session.scalar(
        select(Match)
        .where(Match.youth_id == youth_id, Match.status.in_(MATCHED))
        .order_by(Match.proposed_at.desc())
        .limit(1)
    )
    match_id = match.id if match else None
    person = await session.get(Person, youth_id)
    programme = await session.get(Programme, person.programme_id) if person else None
    if match is not None and programme is not None and not at_closure:
        at_closure = is_closure_record(
            programme, match.status, match.ends_on, match.ended_at, observed_on
        )
    outcome = Outcome(
        programme_id=person.programme_id if person else 0,
        youth_id=youth_id,
        match_id=match_id,
        target_group=youth.target_group,
        category=category,
        statuses=sorted(set(statuses))
        if statuses
        else [STATUS_OF_CATEGORY.get(category, category)],
        at_closure=at_closure,
        observed_on=observed_on,
        source=source,
        registered_by=coordinator_id,
    )
    session.add(outcome)
    await session.flush()
    return outcome


async def outcome_rows(
    session: AsyncSession, programme_id: int
) -> Sequence[Row[Outcome, str | None]]:
    """The programme's outcomes with the youth's first name, newest observation first."""
    return (
        await session.execute(
            select(Outcome, Person.first_name)
            .outerjoin(Person, Person.id == Outcome.youth_id)
            .where(Outcome.programme_id == programme_id)
            .order_by(Outcome.observed_on.desc(), Outcome.id.desc())
        )
    ).all()


async def youths_to_register(
    session: AsyncSession, programme_id: int, query: str, chosen: int | None = None
) -> Sequence[Found]:
    """The youths an outcome can be registered for (who have had a pair here) that the
    dashboard's person search finds for `query` (at most `mentoring.search.LIMIT`), or the one
    `chosen` by id (a link from the overview or the youth's page): a short list to pick from."""
    had_a_pair = select(Match.youth_id).where(
        Match.programme_id == programme_id, Match.status.in_(MATCHED)
    )
    if chosen is not None:
        return await found_by_id(session, programme_id, chosen, among=had_a_pair)
    return await find_people(session, programme_id, query, among=had_a_pair)
