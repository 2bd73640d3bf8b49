"""The weekly digest's summary: its figures in a fixed number of statements, whatever the size.

Totals are aggregates over the whole programme (`storage.digest_counts`); only the rows the e-mail
names (the first SHOWN of each list, `storage.digest_lists`) leave the database. The rules are
applied in SQL, with the thresholds `mentoring.digest` works out (`DigestWindow`). Tests hold
these figures to the ones `mentoring.digest.build_digest` computes from
`storage.queries.digest_facts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.digest_counts import (
    companies_and_openings,
    count_matched_youths,
    hours_and_signups,
    meetings_held,
    pair_totals,
)
from storage.digest_lists import active_lists, people_lists, proposals, surveys_due
from storage.digest_sql import (
    DigestWindow,
    Listing,
    MeetingRow,
    PairRow,
    jit_off,
)
from storage.models import (
    Programme,
)
from storage.queries import PersonFacts


@dataclass
class DigestSummary:
    programme: Programme
    pairs: Listing[PairRow]  # every pair but the declined, by id
    matched_youths: int
    matched_by_point: list[int]  # youths matched before each of the window's week points
    new_this_week: int
    new_last_week: int
    companies_this_week: int
    companies_last_week: int
    openings_this_week: int
    openings_last_week: int
    held_this_week: int
    held_last_week: int
    hours_this_week: int
    hours_last_week: int
    signups_this_week: int
    signups_last_week: int
    at_risk: Listing[PairRow]
    calls_due: Listing[PairRow]
    ending_soon: Listing[PairRow]
    hours: Listing[PairRow]  # a sample of the active pairs, most hours first; total = active
    below_hours: int
    surveys: Listing[PairRow]
    unconfirmed: Listing[MeetingRow]
    waiting: Listing[PersonFacts]
    mentors_free: Listing[PersonFacts]
    unreachable: Listing[PersonFacts]
    inbox: Listing[PersonFacts]


async def digest_summary(
    session: AsyncSession, programme: Programme, w: DigestWindow
) -> DigestSummary:
    """The digest's figures in a fixed number of statements: totals are aggregates over the
    whole programme; only the rows the e-mail names (at most SHOWN a list) leave the database."""
    programme_id = programme.id
    await jit_off(session)
    pairs = await pair_totals(session, programme_id, w)
    matched_youths, matched_by_point = await count_matched_youths(session, programme_id, w)
    active = await active_lists(session, programme_id, w)
    surveys = await surveys_due(session, programme_id, w)
    held = await meetings_held(session, programme_id, w)
    unconfirmed = await proposals(session, programme_id, w)
    hours, signups = await hours_and_signups(session, programme_id, w)
    people = await people_lists(session, programme_id, w)
    companies, openings = await companies_and_openings(session, programme_id, w)

    def count(value: Any) -> int:
        return int(value or 0)

    return DigestSummary(
        programme=programme,
        pairs=pairs.pairs,
        matched_youths=matched_youths,
        matched_by_point=matched_by_point,
        new_this_week=pairs.new_this_week,
        new_last_week=pairs.new_last_week,
        companies_this_week=count(companies[1]),
        companies_last_week=count(companies[2]),
        openings_this_week=count(openings[1]),
        openings_last_week=count(openings[2]),
        held_this_week=count(held[0]),
        held_last_week=count(held[1]),
        hours_this_week=count(hours[0]),
        hours_last_week=count(hours[1]),
        signups_this_week=count(signups[0]),
        signups_last_week=count(signups[1]),
        at_risk=active.at_risk,
        calls_due=active.calls_due,
        ending_soon=active.ending_soon,
        hours=active.hours,
        below_hours=active.below_hours,
        surveys=surveys,
        unconfirmed=unconfirmed,
        waiting=people.waiting,
        mentors_free=people.mentors_free,
        unreachable=people.unreachable,
        inbox=people.inbox,
    )
