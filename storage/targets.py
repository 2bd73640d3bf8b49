"""The programme's seven targets, counted exactly as README.md ("The seven targets") defines them.

One function, `measure_targets`, serves the weekly digest, the committee report and the
dashboard, so the three always agree. Each figure says what it counts (numerator), over what
(denominator), how many of the denominator are unknown (their outcome window closed with no
observation, or a pair past its term not yet closed) and which pairs or youths are behind it.
Everything is measured as of one moment (`as_of`, with `today` its local date): a pair closed,
an observation entered or a company contacted after it does not count.

The per-pair and per-youth rules run in the database (`storage.target_sql`): it returns counts
(or the ids, when asked for), not a row per pair. Python keeps the calendar arithmetic SQLite and
PostgreSQL would each do differently (month ends clamp): the last pair end whose outcome window
has closed, which the database then compares with, and the window of each youth with an
observation, to pick the observation that counts.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.statuses import MatchStatus, OpeningStatus
from storage.company_ledger import company_days
from storage.models import JobOpening, Programme
from storage.target_sql import (
    KEPT,
    NEGATIVE,
    OPEN,
    POSITIVE,
    Moments,
    closed_observations,
    counts,
    local_midnight,
    pair_facts,
    pair_rows,
)

Window = tuple[date, date]

TARGET_GROUPS = ("g0", "g1", "g2", "student")
# Inside one window the latest observation of the highest source counts.
SOURCE_RANK = {"register": 3, "coordinator": 2, "survey": 1}
SELF_SUPPORTING = frozenset({"education", "ordinary_job"})
IN_EDUCATION = frozenset({"education"})
PRAKTIK_SUBSIDY_SMALLJOB = frozenset({"praktik", "loentilskud", "smaajob", "ordinary_job"})
KEYS = (
    "matched",
    "kept_3_months",
    "self_supporting",
    "students_in_education",
    "praktik_subsidy_smalljob",
    "companies_outside",
    "job_openings",
)
PERCENTAGES = frozenset(
    {"kept_3_months", "self_supporting", "students_in_education", "praktik_subsidy_smalljob"}
)


@dataclass(frozen=True)
class Figure:
    """One target measured: numerator of denominator, `unknown` of the denominator without an
    answer; `ids` are the pairs (kept_3_months) or youths (outcomes, matched), companies or
    openings in the numerator; `unknown_ids` the ones unknown."""

    key: str
    numerator: int
    denominator: int
    unknown: int = 0
    ids: tuple[int, ...] = ()
    unknown_ids: tuple[int, ...] = ()

    @property
    def is_pct(self) -> bool:
        return self.key in PERCENTAGES

    @property
    def coverage(self) -> float | None:
        """The share of the denominator whose answer is known (None with nobody measured)."""
        if not self.denominator:
            return None
        return (self.denominator - self.unknown) / self.denominator


@dataclass(frozen=True)
class TargetFigures:
    figures: dict[str, Figure]
    by_group: dict[str, dict[str, Figure]]  # target group -> the outcome and matched figures
    positive_early: int  # pairs ended early for a job or an education
    negative_early: int  # pairs ended early for another reason
    past_end: tuple[int, ...]  # active pairs past their end date, not closed (with the ids)
    windows: dict[int, tuple[date, date]] = field(default_factory=dict)  # youth -> window

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


def pair_end(status: MatchStatus, ends_on: date | None, ended_on: date | None) -> date | None:
    """The day a pair's programme ended: the early end's date, otherwise its (possibly
    extended) end date."""
    if status == MatchStatus.ENDED_EARLY and ended_on is not None:
        return ended_on
    return ends_on


def outcome_window(end: date, programme: Programme) -> tuple[date, date]:
    """[end + N months - before days, end + N months + after days] (programme settings)."""
    middle = add_months(end, programme.outcome_after_months)
    return (
        middle - timedelta(days=programme.outcome_window_before_days),
        middle + timedelta(days=programme.outcome_window_after_days),
    )


async def _companies_and_openings(
    session: AsyncSession, programme: Programme, first: date, last: date, tz: ZoneInfo
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Companies outside the partnerships first contacted in [first, last] (the first contact
    as `storage.company_ledger` derives it: registration, contact log or first mentor), and
    openings created in [first, last], a mentor's lead only once the coordinator confirmed it."""
    days = await company_days(session, programme.id, tz, until=last)
    companies = tuple(
        sorted(c for c, d in days.items() if d.outside and d.first and first <= d.first)
    )
    openings = await session.scalars(
        select(JobOpening.id)
        .where(
            JobOpening.programme_id == programme.id,
            JobOpening.status != OpeningStatus.PROPOSED,
            JobOpening.created_on >= first,
            JobOpening.created_on <= last,
        )
        .order_by(JobOpening.id)
    )
    return companies, tuple(openings)


def last_closed_end(programme: Programme, today: date) -> date:
    """The last pair end whose outcome window closed before `today`. A window's last day only
    grows with the end (month ends clamp, never go back), so every earlier end's has closed."""
    day = today
    while outcome_window(day, programme)[1] >= today:
        day -= timedelta(days=31)
    while outcome_window(day + timedelta(days=1), programme)[1] < today:
        day += timedelta(days=1)
    return day


@dataclass
class _Youths:
    """The matched youths per target group: how many, how many of them have had their outcome
    window close, which ones (when the ids are asked for), and those with a counting
    observation: youth -> (group, the statuses of the observation that counts)."""

    matched: dict[str | None, int] = field(default_factory=dict)
    closed: dict[str | None, int] = field(default_factory=dict)
    matched_ids: dict[str | None, list[int]] = field(default_factory=dict)
    closed_ids: dict[str | None, list[int]] = field(default_factory=dict)
    counted: dict[int, tuple[str | None, frozenset[str]]] = field(default_factory=dict)

    def pool(
        self, groups: Collection[str | None]
    ) -> tuple[int, list[int], dict[int, frozenset[str]]]:
        """The closed youths of these groups: how many, which, and the counted ones."""
        size = sum(self.closed.get(g, 0) for g in groups)
        ids = sorted(y for g in groups for y in self.closed_ids.get(g, ()))
        found = {y: s for y, (g, s) in self.counted.items() if g in groups}
        return size, ids, found


def _outcome_figures(
    youths: _Youths, groups: Collection[str | None], ids: bool
) -> dict[str, Figure]:
    """The three outcome targets over the matched youths of these groups whose window has
    closed: of them those whose counting observation (highest source, then latest, inside the
    window) has a status; `unknown` those with no observation in their window."""

    def figure(key: str, statuses: frozenset[str], of: Collection[str | None]) -> Figure:
        size, pool, found = youths.pool(of)
        hits = tuple(sorted(y for y, s in found.items() if s & statuses))
        return Figure(key, len(hits), size, size - len(found), hits if ids else (),
                      tuple(y for y in pool if y not in found))  # fmt: skip

    students = [g for g in groups if g == "student"]
    return {
        "self_supporting": figure("self_supporting", SELF_SUPPORTING, groups),
        "students_in_education": figure("students_in_education", IN_EDUCATION, students),
        "praktik_subsidy_smalljob": figure(
            "praktik_subsidy_smalljob", PRAKTIK_SUBSIDY_SMALLJOB, groups
        ),
    }


async def _youths(
    session: AsyncSession, programme: Programme, pairs: Any, at: Moments, ids: bool
) -> tuple[_Youths, dict[str, list[int]], dict[str, int], tuple[int, ...], dict[int, Window]]:
    """The matched youths by group with the observation that counts for each whose window has
    closed; the measured pairs by kept_3_months class and the active pairs past their end date.
    With the ids: every pair's row (one statement), the ids, and every youth's outcome window."""
    found = _Youths()
    windows: dict[int, Window] = {}
    by_class: dict[str, list[int]] = {}
    if ids:
        window = functools.lru_cache(maxsize=None)(lambda end: outcome_window(end, programme))
        past: list[int] = []
        seen: set[int] = set()
        for r in await pair_rows(session, pairs, at):
            if r.kept_class is not None:
                by_class.setdefault(r.kept_class, []).append(r.id)
            if r.past_end:
                past.append(r.id)
            if r.youth_id in seen:
                continue
            seen.add(r.youth_id)
            if r.youth_end is not None:
                windows[r.youth_id] = window(r.youth_end)
            if r.matched:
                group = r.target_group
                found.matched[group] = found.matched.get(group, 0) + 1
                found.matched_ids.setdefault(group, []).append(r.youth_id)
                if r.window_closed:
                    found.closed[group] = found.closed.get(group, 0) + 1
                    found.closed_ids.setdefault(group, []).append(r.youth_id)
        classes, past_end = {k: len(v) for k, v in by_class.items()}, tuple(past)
    else:
        by_group, classes = await counts(session, pairs, at)
        for group, (matched, closed) in by_group.items():
            found.matched[group], found.closed[group] = matched, closed
        past_end = ()
    observed: dict[int, list[tuple[date, int, int, frozenset[str]]]] = defaultdict(list)
    ends: dict[int, tuple[str | None, date]] = {}
    for r in await closed_observations(session, programme.id, pairs, at):
        ends[r.youth_id] = (r.target_group, r.youth_end)
        observed[r.youth_id].append(
            (r.observed_on, SOURCE_RANK.get(r.source, 0), r.id, frozenset(r.statuses or ()))
        )
    # Inside the window the latest observation of the highest source counts.
    for youth_id, (group, end) in ends.items():
        first, last = outcome_window(end, programme)
        inside = [o for o in observed[youth_id] if first <= o[0] <= last]
        if inside:
            found.counted[youth_id] = (group, max(inside, key=lambda o: (o[1], o[0], o[2]))[3])
    return found, by_class, classes, past_end, windows


async def measure_targets(
    session: AsyncSession,
    programme: Programme,
    as_of: datetime,
    today: date,
    tz: ZoneInfo,
    *,
    ids: bool = True,
) -> TargetFigures:
    """Every target as of a moment: rows recorded after `as_of` do not count, and `today` is
    the measuring date (a window has closed when its last day is before it). Without `ids`
    the figures are counts only (no ids, no windows, no pairs past their end date): what the
    dashboard's target pages show."""
    moments = Moments(
        as_of,
        today,
        (local_midnight(programme.starts_on, tz),
         local_midnight(programme.ends_on + timedelta(days=1), tz)),
        last_closed_end(programme, today),
    )  # fmt: skip
    pairs = await pair_facts(session, programme.id, tz, moments)
    youths, by_class, classes, past_end, windows = await _youths(
        session, programme, pairs, moments, ids
    )
    companies, openings = await _companies_and_openings(
        session, programme, programme.starts_on, min(programme.ends_on, today), tz
    )

    matched = sum(youths.matched.values())
    groups = set(youths.matched) | set(youths.closed)
    figures = {
        "matched": Figure("matched", matched, programme.target_matches, 0,
                          tuple(sorted(y for i in youths.matched_ids.values() for y in i))),
        # over pairs whose term has elapsed or that ended early (storage.target_sql)
        "kept_3_months": Figure(
            "kept_3_months", classes.get(KEPT, 0), sum(classes.values()), classes.get(OPEN, 0),
            tuple(by_class.get(KEPT, ())), tuple(by_class.get(OPEN, ())),
        ),
        # The outcome targets are over the matched youths (those the matched target counts).
        **_outcome_figures(youths, groups, ids),
        "companies_outside": Figure(
            "companies_outside", len(companies), programme.target_companies_outside, 0, companies
        ),
        "job_openings": Figure(
            "job_openings", len(openings), programme.target_job_openings, 0, openings
        ),
    }  # fmt: skip
    by_group: dict[str, dict[str, Figure]] = {}
    for group in TARGET_GROUPS:
        in_group = tuple(youths.matched_ids.get(group, ()))
        by_group[group] = {
            "matched": Figure("matched", youths.matched.get(group, 0), matched, 0, in_group),
            **_outcome_figures(youths, [group], ids),
        }
    return TargetFigures(
        figures={k: figures[k] for k in KEYS},
        by_group=by_group,
        positive_early=classes.get(POSITIVE, 0),
        negative_early=classes.get(NEGATIVE, 0),
        past_end=past_end,
        windows=windows,
    )
