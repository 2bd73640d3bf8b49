"""The programme's seven targets, counted exactly as README.md ("The seven targets") defines them.

One function, `measure_targets`, serves the weekly digest, the committee report and the
dashboard, so the three always agree. Each figure says what it counts (numerator), over what
(denominator), how many of the denominator are unknown (their outcome window closed with no
observation, or a pair past its term not yet closed) and which pairs or youths are behind it.
Everything is measured as of one moment (`as_of`, with `today` its local date): a pair closed,
an observation entered or a company contacted after it does not count.

It reads narrow rows (one per matched pair, per observation, per company and per opening of the
programme) and applies the rules in Python: the windows are calendar arithmetic (month ends
clamp) that SQLite and PostgreSQL would each do differently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months
from core.statuses import ENDED, MATCHED, MatchStatus, OpeningStatus
from storage.company_ledger import company_days
from storage.models import JobOpening, Match, Outcome, Programme, Youth

TARGET_GROUPS = ("g0", "g1", "g2", "student")
# Early ends that are good news (the youth started a job or an education): shown on their own line.
POSITIVE_END_REASONS = frozenset({"youth_job_or_education"})
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
    positive_early: tuple[int, ...]  # pairs ended early for a job or an education
    negative_early: tuple[int, ...]  # pairs ended early for another reason
    past_end: tuple[int, ...]  # active pairs past their end date, not closed
    windows: dict[int, tuple[date, date]] = field(default_factory=dict)  # youth -> window

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


@dataclass(frozen=True)
class _Pair:
    id: int
    youth_id: int
    group: str
    status: MatchStatus  # as of the measuring moment
    accepted_on: date
    term_end: date | None  # the original end date: the term for the 3-month target
    ends_on: date | None  # the (possibly extended) end date
    ended_on: date | None
    end_reason: str | None


def _local(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


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


async def _pairs(
    session: AsyncSession, programme_id: int, as_of: datetime, tz: ZoneInfo
) -> list[_Pair]:
    rows = await session.execute(
        select(
            Match.id, Match.youth_id, Youth.target_group, Match.status, Match.accepted_at,
            Match.starts_on, Match.ends_on, Match.original_ends_on, Match.ended_at,
            Match.end_reason,
        )
        .join(Youth, Youth.person_id == Match.youth_id)
        .where(
            Match.programme_id == programme_id,
            Match.status.in_(MATCHED),
            Match.accepted_at <= as_of,
        )
        .order_by(Match.id)
    )  # fmt: skip
    pairs = []
    for r in rows:
        closed = r.ended_at is not None and r.ended_at <= as_of
        pairs.append(
            _Pair(
                id=r.id,
                youth_id=r.youth_id,
                group=r.target_group,
                status=r.status if closed else MatchStatus.ACTIVE,
                accepted_on=_local(r.accepted_at, tz),
                term_end=r.original_ends_on or r.ends_on,
                ends_on=r.ends_on,
                ended_on=_local(r.ended_at, tz) if closed else None,
                end_reason=r.end_reason if closed else None,
            )
        )
    return pairs


async def _observations(
    session: AsyncSession, programme_id: int, today: date
) -> dict[int, list[tuple[date, int, int, frozenset[str]]]]:
    """Per youth: (observed on, source rank, id, statuses), closure records left out."""
    rows = await session.execute(
        select(
            Outcome.id, Outcome.youth_id, Outcome.observed_on, Outcome.source, Outcome.statuses
        ).where(
            Outcome.programme_id == programme_id,
            Outcome.youth_id.is_not(None),
            Outcome.at_closure.is_(False),
            # By the day observed, not the day entered: register data for a past period is
            # imported later and still counts for it.
            Outcome.observed_on <= today,
        )
    )
    found: dict[int, list[tuple[date, int, int, frozenset[str]]]] = defaultdict(list)
    for r in rows:
        found[r.youth_id].append(
            (r.observed_on, SOURCE_RANK.get(r.source, 0), r.id, frozenset(r.statuses or ()))
        )
    return found


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


def _outcome_figures(
    youths: list[int],
    windows: dict[int, tuple[date, date]],
    observed: dict[int, list[tuple[date, int, int, frozenset[str]]]],
    today: date,
    groups: dict[int, str],
) -> dict[str, Figure]:
    """The three outcome targets over the given youths: those whose window has closed, and of
    them those whose counting observation (highest source, then latest) has a status."""
    closed = [y for y in youths if y in windows and windows[y][1] < today]
    counted: dict[int, frozenset[str]] = {}
    for youth in closed:
        first, last = windows[youth]
        inside = [o for o in observed.get(youth, ()) if first <= o[0] <= last]
        if inside:
            best = max(inside, key=lambda o: (o[1], o[0], o[2]))
            counted[youth] = best[3]

    def figure(key: str, statuses: frozenset[str], pool: list[int]) -> Figure:
        hits = tuple(y for y in pool if counted.get(y, frozenset()) & statuses)
        return Figure(key, len(hits), len(pool), sum(y not in counted for y in pool), hits,
                      tuple(y for y in pool if y not in counted))  # fmt: skip

    students = [y for y in closed if groups.get(y) == "student"]
    return {
        "self_supporting": figure("self_supporting", SELF_SUPPORTING, closed),
        "students_in_education": figure("students_in_education", IN_EDUCATION, students),
        "praktik_subsidy_smalljob": figure(
            "praktik_subsidy_smalljob", PRAKTIK_SUBSIDY_SMALLJOB, closed
        ),
    }


async def measure_targets(
    session: AsyncSession, programme: Programme, as_of: datetime, today: date, tz: ZoneInfo
) -> TargetFigures:
    """Every target as of a moment: rows recorded after `as_of` do not count, and `today` is
    the measuring date (a window has closed when its last day is before it)."""
    pairs = await _pairs(session, programme.id, as_of, tz)
    observed = await _observations(session, programme.id, today)
    last_day = min(programme.ends_on, today)
    companies, openings = await _companies_and_openings(
        session, programme, programme.starts_on, last_day, tz
    )

    groups = {p.youth_id: p.group for p in pairs}
    first_match: dict[int, date] = {}
    youth_end: dict[int, date] = {}
    for p in pairs:
        first_match[p.youth_id] = min(first_match.get(p.youth_id, p.accepted_on), p.accepted_on)
        end = pair_end(p.status, p.ends_on, p.ended_on)
        if end is not None:
            youth_end[p.youth_id] = max(youth_end.get(p.youth_id, end), end)
    matched = tuple(
        sorted(y for y, on in first_match.items() if programme.starts_on <= on <= programme.ends_on)
    )
    windows = {y: outcome_window(end, programme) for y, end in youth_end.items()}

    # kept_3_months: over pairs whose term has elapsed or that ended early; completed counts
    # only when closed on or after the term's end (an earlier "completed" is an early end).
    kept: list[int] = []
    measured: list[int] = []
    open_past: list[int] = []
    positive: list[int] = []
    negative: list[int] = []
    for p in pairs:
        early = p.status in ENDED and (
            p.term_end is not None and p.ended_on is not None and p.ended_on < p.term_end
        )
        elapsed = p.term_end is not None and p.term_end <= today
        if not (elapsed or early):
            continue
        measured.append(p.id)
        if early:
            (positive if p.end_reason in POSITIVE_END_REASONS else negative).append(p.id)
        elif p.status == MatchStatus.COMPLETED:
            kept.append(p.id)
        elif p.status == MatchStatus.ACTIVE:
            open_past.append(p.id)
    past_end = tuple(
        p.id for p in pairs if p.status == MatchStatus.ACTIVE and p.ends_on and p.ends_on < today
    )

    # The outcome targets are over the matched youths (those the matched target counts).
    all_youths = list(matched)
    figures = {
        "matched": Figure("matched", len(matched), programme.target_matches, 0, matched),
        "kept_3_months": Figure(
            "kept_3_months", len(kept), len(measured), len(open_past), tuple(kept),
            tuple(open_past),
        ),
        **_outcome_figures(all_youths, windows, observed, today, groups),
        "companies_outside": Figure(
            "companies_outside", len(companies), programme.target_companies_outside, 0, companies
        ),
        "job_openings": Figure(
            "job_openings", len(openings), programme.target_job_openings, 0, openings
        ),
    }  # fmt: skip
    by_group: dict[str, dict[str, Figure]] = {}
    for group in TARGET_GROUPS:
        members = [y for y in all_youths if groups.get(y) == group]
        in_group = tuple(y for y in matched if groups.get(y) == group)
        by_group[group] = {
            "matched": Figure("matched", len(in_group), len(matched), 0, in_group),
            **_outcome_figures(members, windows, observed, today, groups),
        }
    return TargetFigures(
        figures={k: figures[k] for k in KEYS},
        by_group=by_group,
        positive_early=tuple(positive),
        negative_early=tuple(negative),
        past_end=past_end,
        windows=windows,
    )
