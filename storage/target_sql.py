"""The targets' per-pair and per-youth rules as SQL (`storage.targets.measure_targets` runs them):
the database classifies every matched pair and youth of the programme and hands back counts, or
the ids when the caller names them, never one row per pair to be judged in Python.

The one local calendar day per row, a closed pair's end, comes from `storage.digest_sql.local_day`
(PostgreSQL's time zones; on SQLite a small function asking zoneinfo, called for closed pairs
only). Every other comparison is with a fixed date or instant worked out in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import ENDED, MATCHED, MatchStatus
from storage.digest_sql import local_day
from storage.models import Match, Outcome, Youth

# Early ends that are good news (the youth started a job or an education): shown on their own line.
POSITIVE_END_REASONS = frozenset({"youth_job_or_education"})
# What a measured pair counts as for kept_3_months (README.md, "The seven targets").
POSITIVE, NEGATIVE, KEPT, OPEN, MEASURED = "positive", "negative", "kept", "open", "measured"


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Moments:
    """What the rules compare with: the measuring moment and day, the programme period's
    instants, and the last pair end whose outcome window closed before `today`."""

    as_of: datetime
    today: date
    period: tuple[datetime, datetime]  # [local midnight of starts_on, of the day after ends_on)
    last_closed_end: date


async def pair_facts(session: AsyncSession, programme_id: int, tz: ZoneInfo, at: Moments) -> Any:
    """One row per matched pair of the programme accepted by `as_of`: its youth, acceptance,
    the day its programme ended, its kept_3_months class and whether it is an active pair past
    its end date, all as of `as_of` (a pair closed after it was still active then)."""
    closed = and_(Match.ended_at.is_not(None), Match.ended_at <= at.as_of)
    ended_day = type_coerce(await local_day(session, Match.ended_at, tz), Date)
    raw = (
        select(
            Match.id,
            Match.youth_id,
            Match.accepted_at,
            Match.ends_on,
            func.coalesce(Match.original_ends_on, Match.ends_on).label("term_end"),
            case((closed, Match.status), else_=MatchStatus.ACTIVE).label("status"),
            case((closed, ended_day), else_=None).label("ended_on"),
            case((closed, Match.end_reason), else_=None).label("end_reason"),
        )
        .where(
            Match.programme_id == programme_id,
            Match.status.in_(MATCHED),
            Match.accepted_at <= at.as_of,
        )
        .subquery()
    )
    early = and_(
        raw.c.status.in_(ENDED), raw.c.term_end.is_not(None), raw.c.ended_on < raw.c.term_end
    )
    elapsed = raw.c.term_end <= at.today
    return select(
        raw.c.id,
        raw.c.youth_id,
        raw.c.accepted_at,
        # The day the pair's programme ended: an early end's date, otherwise its end date.
        case((raw.c.status == MatchStatus.ENDED_EARLY, raw.c.ended_on), else_=raw.c.ends_on).label(
            "pair_end"
        ),
        # kept_3_months is over pairs whose term has elapsed or that ended early; completed
        # counts only when closed on or after the term's end (an earlier one is an early end).
        case(
            (and_(early, raw.c.end_reason.in_(POSITIVE_END_REASONS)), POSITIVE),
            (early, NEGATIVE),
            (and_(elapsed, raw.c.status == MatchStatus.COMPLETED), KEPT),
            (and_(elapsed, raw.c.status == MatchStatus.ACTIVE), OPEN),
            (elapsed, MEASURED),
            else_=None,
        ).label("kept_class"),
        case(
            (and_(raw.c.status == MatchStatus.ACTIVE, raw.c.ends_on < at.today), 1), else_=0
        ).label("past_end"),
    ).subquery()


def _youth_columns(first: Any, end: Any, at: Moments) -> list[Any]:
    """A youth's figures from the first acceptance and the latest end of their pairs."""
    return [
        end.label("youth_end"),
        # first matched (the first pair's acceptance) inside the programme period
        case((and_(first >= at.period[0], first < at.period[1]), 1), else_=0).label("matched"),
        # the outcome window after the youth's last pair end closed before today
        case((end <= at.last_closed_end, 1), else_=0).label("window_closed"),
    ]


def observed(programme_id: int, today: date) -> Any:
    """Observations that can count: not a closure's record, observed by `today` (the day
    observed, not the day entered: register data for a past period is imported later)."""
    return and_(
        Outcome.programme_id == programme_id,
        Outcome.youth_id.is_not(None),
        Outcome.at_closure.is_(False),
        Outcome.observed_on <= today,
    )


async def pair_rows(session: AsyncSession, pairs: Any, at: Moments) -> list[Any]:
    """Every pair by id with its class, its youth's group and its youth's figures."""
    whole = {"partition_by": pairs.c.youth_id}
    first = func.min(pairs.c.accepted_at).over(**whole)
    end = func.max(pairs.c.pair_end).over(**whole)
    return list(
        (
            await session.execute(
                select(
                    pairs.c.id,
                    pairs.c.youth_id,
                    pairs.c.kept_class,
                    pairs.c.past_end,
                    Youth.target_group,
                    *_youth_columns(first, end, at),
                )
                .join(Youth, Youth.person_id == pairs.c.youth_id)
                .order_by(pairs.c.id)
            )
        ).all()
    )


def _youths(pairs: Any, at: Moments, *where: Any) -> Any:
    first, end = func.min(pairs.c.accepted_at), func.max(pairs.c.pair_end)
    youths = (
        select(pairs.c.youth_id, *_youth_columns(first, end, at))
        .where(*where)
        .group_by(pairs.c.youth_id)
        .subquery()
    )
    return select(youths, Youth.target_group).join(Youth, Youth.person_id == youths.c.youth_id)


async def counts(
    session: AsyncSession, pairs: Any, at: Moments
) -> tuple[dict[str | None, tuple[int, int]], dict[str, int]]:
    """Per target group the matched youths and, of them, those whose window has closed (one
    pass over the pairs, grouped by youth); and the measured pairs of each kept_3_months class
    (a second pass, grouped by class: summed per youth, each pair's class was worked out once
    per class, which made the one statement a third slower than these two on SQLite)."""
    first, end = func.min(pairs.c.accepted_at), func.max(pairs.c.pair_end)
    youths = (
        select(pairs.c.youth_id, *_youth_columns(first, end, at))
        .group_by(pairs.c.youth_id)
        .subquery()
    )
    groups = await session.execute(
        select(
            Youth.target_group,
            func.sum(youths.c.matched),
            func.sum(youths.c.matched * youths.c.window_closed),
        )
        .join(Youth, Youth.person_id == youths.c.youth_id)
        .group_by(Youth.target_group)
    )
    by_group = {g: (int(matched or 0), int(closed or 0)) for g, matched, closed in groups}
    classes = await session.execute(
        select(pairs.c.kept_class, func.count())
        .where(pairs.c.kept_class.is_not(None))
        .group_by(pairs.c.kept_class)
    )
    return by_group, {c: int(n) for c, n in classes if n}


async def closed_observations(
    session: AsyncSession, programme_id: int, pairs: Any, at: Moments
) -> list[Any]:
    """The observations that can count of the matched youths whose window has closed, each with
    the youth's group and last pair end (their window is worked out in Python)."""
    observations = select(Outcome.youth_id).where(observed(programme_id, at.today))
    youths = _youths(pairs, at, pairs.c.youth_id.in_(observations)).subquery()
    return list(
        (
            await session.execute(
                select(
                    Outcome.id, Outcome.youth_id, Outcome.observed_on, Outcome.source,
                    Outcome.statuses, youths.c.target_group, youths.c.youth_end,
                )
                .join(youths, youths.c.youth_id == Outcome.youth_id)
                .where(
                    observed(programme_id, at.today),
                    youths.c.matched == 1,
                    youths.c.window_closed == 1,
                )
            )
        ).all()
    )  # fmt: skip
