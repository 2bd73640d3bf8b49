"""The committee's attribution question, answered as an observational comparison: matched youths
against youths who signed up and were never matched (waiting list, declined), each measured at
the same offset from sign-up (README.md, "The seven targets"). It is no effect estimate: who gets
matched is not chosen at random.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.statuses import MATCHED, PersonStatus, Role
from storage.models import Match, Outcome, Person, Programme
from storage.targets import SELF_SUPPORTING, SOURCE_RANK

MIN_PER_SIDE = 20  # below this on either side the comparison is not shown
Z95 = 1.959964


@dataclass(frozen=True)
class Side:
    measured: int  # youths whose window (from sign-up) has closed, with an observation in it
    self_supporting: int

    @property
    def share(self) -> float:
        return self.self_supporting / self.measured if self.measured else 0.0


@dataclass(frozen=True)
class Comparison:
    matched: Side
    unmatched: Side
    offset_months: int  # the window's middle, in months after sign-up

    @property
    def shown(self) -> bool:
        return min(self.matched.measured, self.unmatched.measured) >= MIN_PER_SIDE

    @property
    def difference(self) -> float:
        return self.matched.share - self.unmatched.share

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % interval of the difference in shares (normal approximation)."""
        a, b = self.matched, self.unmatched
        se = math.sqrt(
            (a.share * (1 - a.share) / max(a.measured, 1))
            + (b.share * (1 - b.share) / max(b.measured, 1))
        )
        return self.difference - Z95 * se, self.difference + Z95 * se


async def compare_matched_with_unmatched(
    session: AsyncSession, programme: Programme, today: date, tz: ZoneInfo
) -> Comparison:
    """Self-supporting at sign-up + pair months + outcome months, for both sides alike."""
    offset = programme.pair_months + programme.outcome_after_months
    youths = await session.execute(
        select(Person.id, Person.created_at).where(
            Person.programme_id == programme.id,
            Person.role == Role.YOUTH,
            Person.status != PersonStatus.ERASED,
        )
    )
    signed_up = {pid: created.astimezone(tz).date() for pid, created in youths}
    matched = set(
        await session.scalars(
            select(Match.youth_id).where(
                Match.programme_id == programme.id, Match.status.in_(MATCHED)
            )
        )
    )
    observed: dict[int, list[tuple[int, date, int, frozenset[str]]]] = defaultdict(list)
    for oid, youth, on, source, statuses in await session.execute(
        select(Outcome.id, Outcome.youth_id, Outcome.observed_on, Outcome.source,
               Outcome.statuses).where(
            Outcome.programme_id == programme.id, Outcome.youth_id.is_not(None)
        )
    ):  # fmt: skip
        observed[int(youth or 0)].append(
            (SOURCE_RANK.get(source, 0), on, oid, frozenset(statuses or ()))
        )
    sides: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}  # measured, self-supporting
    for youth, day in signed_up.items():
        middle = add_months(day, offset)
        first = middle - timedelta(days=programme.outcome_window_before_days)
        last = middle + timedelta(days=programme.outcome_window_after_days)
        if last >= today:
            continue
        inside = [o for o in observed.get(youth, ()) if first <= o[1] <= last]
        if not inside:
            continue
        best = max(inside)
        side = sides[youth in matched]
        side[0] += 1
        side[1] += bool(best[3] & SELF_SUPPORTING)
    return Comparison(Side(*sides[True]), Side(*sides[False]), offset)
