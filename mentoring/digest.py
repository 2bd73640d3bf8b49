"""The weekly digest's content: targets with pace, pairs that need attention, what is waiting.

The weekly digest (`load_digest`) counts in the database and names the first rows of each list
(`Shown`: the rows and the total); the committee report (`load_period`, `build_digest`) computes
the same figures from the full lists, with the pairs behind each figure.
The week is an ISO week in the programme's time zone; figures are computed as of the week's end
(or now, for the running week). Lists that only exist as current state (waiting youths, contact
points that failed, unhandled inbox items) show that state.

Calls from the coordinator (the mentoring standard: both sides twice in the first month, monthly
after) are read from the audit log: `AuditEntry(action="coordinator_call", entity="match",
entity_id=<match id>, details={"side": "youth" | "mentor" | "both"})`. In the first month a side is
due a first call from day 7 and a second from day 21; after that, when its last call is a month old.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months, month_start
from core.statuses import ENDED, MATCHED, MatchStatus, MeetingStatus
from mentoring.digest_model import (
    Compare,
    Dated,
    Digest,
    Listed,
    PairRef,
    Reason,
    RiskPair,
    Savings,
    Shown,
    Unconfirmed,
    iso_week,
    local_day,
    local_midnight,
    parse_week,
    week_bounds,
)
from mentoring.outreach_figures import outreach_figures
from mentoring.rules import RULES
from mentoring.targets import targets, targets_by_group
from storage.digest_lists import pairs_by_id
from storage.digest_queries import DigestSummary, digest_summary
from storage.digest_sql import SHOWN, DigestWindow, Listing, MeetingRow, PairRow
from storage.models import Programme
from storage.queries import (
    DigestFacts,
    PairFacts,
    PersonFacts,
    digest_facts,
)
from storage.targets import TargetFigures, measure_targets


def _ref(p: PairFacts | PairRow) -> PairRef:
    return PairRef(p.match_id, p.youth_id, p.youth_name, p.mentor_id, p.mentor_name)


def _week_points(start: date, today: date) -> list[date]:
    """The days the matches-over-time chart counts on: weekly from the start, then today."""
    points = []
    point = start
    while point <= today:
        points.append(point)
        point += timedelta(days=7)
    return [*points, today]


# Why a pair is due a call, the most pressing first (the line names the first that applies).
CALL_WHY = ("worrying_checkin", "first_month", "no_call_month")


def _calls_due(p: PairFacts, today: date, tz: ZoneInfo) -> dict[str, str]:
    """The sides due a call, each with why: a worrying check-in answer since the side's last
    call; in the first month, fewer calls than due by now; after it, no call for a month."""
    if p.starts_on is None:
        return {}
    first_month_end = add_months(p.starts_on, 1)
    since_start = (today - p.starts_on).days
    due = {}
    for side in ("youth", "mentor"):
        made = sorted(at for at, s in p.calls if s in (side, "both"))
        dates = [local_day(at, tz) for at in made]
        if any(s == side and (not made or at > made[-1]) for at, s in p.worries):
            due[side] = "worrying_checkin"
        elif today < first_month_end:
            needed = (since_start >= RULES.first_call_day) + (since_start >= RULES.second_call_day)
            if len([d for d in dates if d < first_month_end]) < needed:
                due[side] = "first_month"
        elif not dates or add_months(dates[-1], 1) <= today:
            due[side] = "no_call_month"
    return due


def _call(p: PairFacts | PairRow, due: dict[str, str], today: date) -> Dated:
    side = next(iter(due)) if len(due) == 1 else "both"
    return Dated(_ref(p), today, 0, side, min(due.values(), key=CALL_WHY.index))


def risk_reasons(
    p: PairRow, monthly_hours: int, today: date, tz: ZoneInfo, as_of: datetime
) -> list[Reason]:
    """Why a pair is at risk as of `as_of` (no meeting for a while, hours behind, a worrying
    check-in, ...): the digest's rule, which the pairs list shows too."""
    reasons: list[Reason] = []
    assert p.starts_on is not None
    last = local_day(p.last_meeting_at, tz) if p.last_meeting_at else p.starts_on
    quiet = (today - last).days
    if quiet >= RULES.no_meeting_days:
        reasons.append(Reason("no_meeting", days=quiet, severe=quiet >= RULES.at_risk_days))
    month = month_start(today)
    if (
        today.day >= RULES.hours_check_day
        and p.starts_on <= month
        and p.minutes < monthly_hours * 60
    ):
        reasons.append(Reason("hours_behind", amount=p.minutes / 60))
    if p.unanswered:
        reasons.append(Reason("unanswered", amount=p.unanswered))
    if p.unsure_flag_at is not None and p.unsure_flag_at <= as_of:
        reasons.append(Reason("unsure", days=(today - local_day(p.unsure_flag_at, tz)).days))
    if p.at_risk_reason:
        reasons.append(Reason("flagged", detail=p.at_risk_reason))
    return reasons


def _ending(p: PairFacts | PairRow, today: date) -> Dated:
    assert p.ends_on is not None
    return Dated(_ref(p), p.ends_on, (p.ends_on - today).days)


def _survey(p: PairFacts | PairRow, today: date, tz: ZoneInfo) -> Dated:
    assert p.ended_at is not None
    due_on = RULES.survey_due(local_day(p.ended_at, tz))
    late = (today - due_on).days >= RULES.outcome_answer_days
    return Dated(_ref(p), due_on, (today - due_on).days, "unanswered" if late else "due")


def _listed(people: Iterable[PersonFacts], today: date, tz: ZoneInfo) -> list[Listed]:
    return [
        Listed(
            p.person_id,
            p.first_name,
            (today - local_day(p.since, tz)).days if p.since else 0,
            p.detail,
        )
        for p in people
    ]


def _free(mentors: Iterable[PersonFacts]) -> list[Listed]:
    return [Listed(m.person_id, m.first_name, 0, m.detail, m.extra) for m in mentors]


def build_digest(
    facts: DigestFacts, figures: TargetFigures, week: str, as_of: datetime, tz: ZoneInfo
) -> Digest:
    """The digest from the full facts, naming every pair behind every figure (the committee
    report and the pairs page); pure, so tests can compute every one by hand."""
    prog = facts.programme
    monday = parse_week(week)
    week_start, week_end = local_midnight(monday, tz), local_midnight(monday + timedelta(7), tz)
    last_start = week_start - timedelta(days=7)
    today = local_day(as_of, tz)

    def in_week(moment: datetime | None, start: datetime, end: datetime) -> bool:
        return moment is not None and start <= moment < end

    def day_in_week(day: date | None, start: datetime, end: datetime) -> bool:
        return day is not None and local_day(start, tz) <= day < local_day(end, tz)

    matched = [
        p
        for p in facts.pairs
        if p.status in MATCHED and p.accepted_at is not None and p.accepted_at <= as_of
    ]
    first_per_youth: dict[int, PairFacts] = {}
    for p in sorted(matched, key=lambda p: (p.accepted_at, p.match_id)):
        first_per_youth.setdefault(p.youth_id, p)
    by_match = {p.match_id: p for p in facts.pairs}

    ended = [p for p in matched if p.status in ENDED and p.ended_at and p.ended_at <= as_of]
    held = [m for m in facts.meetings if m.status == MeetingStatus.HELD]
    compare = [
        Compare(
            "new_matches",
            sum(in_week(p.accepted_at, week_start, week_end) for p in matched),
            sum(in_week(p.accepted_at, last_start, week_start) for p in matched),
        ),
        Compare(
            "meetings_held",
            sum(in_week(m.starts_at, week_start, week_end) for m in held),
            sum(in_week(m.starts_at, last_start, week_start) for m in held),
        ),
        Compare("hours", facts.hours_this_week / 60, facts.hours_last_week / 60),
        Compare("signups", facts.signups_this_week, facts.signups_last_week),
        Compare(
            "companies",
            sum(day_in_week(c.contacted_on, week_start, week_end) for c in facts.companies),
            sum(day_in_week(c.contacted_on, last_start, week_start) for c in facts.companies),
        ),
        Compare(
            "job_openings",
            sum(day_in_week(o.created_on, week_start, week_end) for o in facts.openings),
            sum(day_in_week(o.created_on, last_start, week_start) for o in facts.openings),
        ),
    ]

    month = month_start(today)
    active = [
        p
        for p in facts.pairs
        if p.status == MatchStatus.ACTIVE and p.starts_on is not None and p.starts_on <= today
    ]
    # A pair the coordinator paused (as of `as_of`) is neither at risk nor due a call: nothing
    # of it is meant to go on until it is resumed (mentoring/pair_actions.py).
    going = [p for p in active if p.paused_at is None or p.paused_at > as_of]
    # At risk: the active pairs started by today and not paused, with at least one reason
    # (`risk_reasons`) as of `as_of`.
    at_risk = [
        RiskPair(_ref(p), tuple(reasons))
        for p in going
        if (
            reasons := risk_reasons(
                PairRow(
                    p.match_id,
                    p.youth_id,
                    p.youth_name,
                    p.mentor_id,
                    p.mentor_name,
                    starts_on=p.starts_on,
                    unsure_flag_at=p.unsure_flag_at,
                    at_risk_reason=p.at_risk_reason,
                    last_meeting_at=p.last_meeting_at,
                    minutes=p.minutes_by_month.get(month, 0),
                    unanswered=facts.unanswered.get(p.youth_id, 0)
                    + facts.unanswered.get(p.mentor_id, 0),
                ),
                prog.monthly_hours,
                today,
                tz,
                as_of,
            )
        )
    ]
    at_risk.sort(key=lambda r: (-len(r.reasons), r.pair.match_id))

    unconfirmed = [
        Unconfirmed(
            m.meeting_id,
            _ref(by_match[m.match_id]),
            m.starts_at,
            (today - local_day(m.proposed_at, tz)).days,
        )
        for m in facts.meetings
        if m.status == MeetingStatus.PROPOSED and m.match_id in by_match and m.proposed_at <= as_of
    ]
    ending = [
        _ending(p, today)
        for p in active
        if p.ends_on is not None
        and today <= p.ends_on <= today + timedelta(RULES.ending_within_days)
    ]
    ending.sort(key=lambda d: (d.on, d.pair.match_id))

    answered: dict[int, date] = {}
    for o in facts.outcomes:  # ordered by observed_on: the latest stays
        if o.youth_id is not None:
            answered[o.youth_id] = o.observed_on
    surveys: dict[int, Dated] = {}
    for p in sorted(ended, key=lambda p: (p.ended_at, p.match_id)):
        assert p.ended_at is not None
        finished = local_day(p.ended_at, tz)
        due_on = RULES.survey_due(finished)
        if due_on > today or answered.get(p.youth_id, date.min) >= finished:
            surveys.pop(p.youth_id, None)
            continue
        surveys[p.youth_id] = _survey(p, today, tz)

    # Due a call: the active pairs started by today and not paused, with a side due a call by
    # the call rule (`_calls_due`) as of today.
    calls = [_call(p, due, today) for p in going if (due := _calls_due(p, today, tz))]
    hours_month = [(_ref(p), p.minutes_by_month.get(month, 0) / 60) for p in active]

    accepted_days = sorted(
        local_day(p.accepted_at, tz) for p in first_per_youth.values() if p.accepted_at
    )
    weeks = [
        (point, sum(d <= point for d in accepted_days))
        for point in _week_points(prog.starts_on, today)
    ]

    return Digest(
        programme_id=prog.id,
        programme_name=prog.name,
        unit_name=prog.unit_name,
        week=iso_week(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        as_of=as_of,
        starts_on=prog.starts_on,
        ends_on=prog.ends_on,
        monthly_hours=prog.monthly_hours,
        targets=targets(prog, today, figures),
        compare=compare,
        at_risk=Shown(at_risk),
        unconfirmed=Shown(unconfirmed),
        waiting=Shown(_listed(facts.waiting, today, tz)),
        mentors_free=Shown(_free(facts.mentors_free)),
        unreachable=Shown(_listed(facts.unreachable, today, tz)),
        ending_soon=Shown(ending),
        surveys=Shown(surveys.values()),
        calls_due=Shown(calls),
        inbox=Shown(_listed(facts.inbox, today, tz)),
        savings=Savings(figures["self_supporting"].numerator, prog.yearly_cost_per_youth_dkk),
        hours_this_month=Shown(hours_month),
        below_hours=sum(h < prog.monthly_hours for _, h in hours_month),
        matches_over_time=weeks,
        pairs=Shown(_ref(p) for p in facts.pairs),
        past_end=Shown(_ending(by_match[i], today) for i in figures.past_end if i in by_match),
        positive_early=figures.positive_early,
        negative_early=figures.negative_early,
        by_group=targets_by_group(prog, today, figures),
    )


def _last_day_before(today: date, months: int) -> date:
    """The last day d with add_months(d, months) <= today (add_months never decreases)."""
    day = add_months(today, -months) + timedelta(days=3)
    while add_months(day, months) > today:
        day -= timedelta(days=1)
    return day


def digest_window(
    prog: Programme, week_start: datetime, week_end: datetime, as_of: datetime, tz: ZoneInfo
) -> DigestWindow:
    """The digest's rules as moments and thresholds the database can compare with."""
    today = local_day(as_of, tz)
    month_after = _last_day_before(today, 1)
    return DigestWindow(
        as_of=as_of,
        week_start=week_start,
        week_end=week_end,
        today=today,
        monday=local_day(week_start, tz),
        tz=tz,
        quiet_before=local_midnight(today - timedelta(RULES.no_meeting_days - 1), tz),
        quiet_start_on=today - timedelta(RULES.no_meeting_days),
        hours_month=month_start(today),
        hours_check=today.day >= RULES.hours_check_day,
        commitment_minutes=prog.monthly_hours * 60,
        unanswered_before=as_of - RULES.unanswered_after,
        first_month_after=month_after,
        one_call_from=today - timedelta(days=RULES.first_call_day),
        two_calls_from=today - timedelta(days=RULES.second_call_day),
        call_stale_before=local_midnight(month_after + timedelta(1), tz),
        worrying_score=RULES.worrying_score,
        ending_until=today + timedelta(RULES.ending_within_days),
        survey_ended_before=local_midnight(
            _last_day_before(today, RULES.outcome_after_months) + timedelta(1), tz
        ),
        week_points=tuple(
            local_midnight(p + timedelta(1), tz) for p in _week_points(prog.starts_on, today)
        ),
    )


def at_risk_shown(pairs: Listing[PairRow], monthly_hours: int, w: DigestWindow) -> Shown[RiskPair]:
    return Shown(
        (
            RiskPair(_ref(p), tuple(risk_reasons(p, monthly_hours, w.today, w.tz, w.as_of)))
            for p in pairs.rows
        ),
        pairs.total,
    )


def unconfirmed_shown(meetings: Listing[MeetingRow], w: DigestWindow) -> Shown[Unconfirmed]:
    return Shown(
        (
            Unconfirmed(
                m.meeting_id,
                _ref(m.pair),
                m.starts_at,
                (w.today - local_day(m.proposed_at, w.tz)).days,
            )
            for m in meetings.rows
        ),
        meetings.total,
    )


def ending_shown(pairs: Listing[PairRow], today: date) -> Shown[Dated]:
    return Shown((_ending(p, today) for p in pairs.rows), pairs.total)


def surveys_shown(pairs: Listing[PairRow], w: DigestWindow) -> Shown[Dated]:
    return Shown((_survey(p, w.today, w.tz) for p in pairs.rows), pairs.total)


def calls_shown(pairs: Listing[PairRow], today: date) -> Shown[Dated]:
    return Shown((_call(p, dict(p.call_sides), today) for p in pairs.rows), pairs.total)


def listed_shown(people: Listing[PersonFacts], w: DigestWindow) -> Shown[Listed]:
    return Shown(_listed(people.rows, w.today, w.tz), people.total)


def summarise(
    s: DigestSummary,
    figures: TargetFigures,
    past_end: list[PairRow],
    week: str,
    w: DigestWindow,
    tz: ZoneInfo,
) -> Digest:
    """The digest from the summarised facts: exact totals, and the first rows of each list."""
    prog, today, as_of = s.programme, w.today, w.as_of
    monday = parse_week(week)
    compare = [
        Compare("new_matches", s.new_this_week, s.new_last_week),
        Compare("meetings_held", s.held_this_week, s.held_last_week),
        Compare("hours", s.hours_this_week / 60, s.hours_last_week / 60),
        Compare("signups", s.signups_this_week, s.signups_last_week),
        Compare("companies", s.companies_this_week, s.companies_last_week),
        Compare("job_openings", s.openings_this_week, s.openings_last_week),
    ]
    points = _week_points(prog.starts_on, today)
    return Digest(
        programme_id=prog.id,
        programme_name=prog.name,
        unit_name=prog.unit_name,
        week=iso_week(monday),
        week_start=monday,
        week_end=monday + timedelta(days=6),
        as_of=as_of,
        starts_on=prog.starts_on,
        ends_on=prog.ends_on,
        monthly_hours=prog.monthly_hours,
        targets=targets(prog, today, figures),
        compare=compare,
        at_risk=at_risk_shown(s.at_risk, prog.monthly_hours, w),
        unconfirmed=unconfirmed_shown(s.unconfirmed, w),
        waiting=Shown(_listed(s.waiting.rows, today, tz), s.waiting.total),
        mentors_free=Shown(_free(s.mentors_free.rows), s.mentors_free.total),
        unreachable=listed_shown(s.unreachable, w),
        ending_soon=ending_shown(s.ending_soon, today),
        surveys=surveys_shown(s.surveys, w),
        calls_due=calls_shown(s.calls_due, today),
        inbox=Shown(_listed(s.inbox.rows, today, tz), s.inbox.total),
        savings=Savings(figures["self_supporting"].numerator, prog.yearly_cost_per_youth_dkk),
        hours_this_month=Shown(((_ref(p), p.minutes / 60) for p in s.hours.rows), s.hours.total),
        below_hours=s.below_hours,
        matches_over_time=list(
            zip(points, [*s.matched_by_point[:-1], s.matched_youths], strict=True)
        ),
        pairs=Shown((_ref(p) for p in s.pairs.rows), s.pairs.total),
        past_end=Shown((_ending(p, today) for p in past_end), len(figures.past_end)),
        positive_early=figures.positive_early,
        negative_early=figures.negative_early,
        by_group=targets_by_group(prog, today, figures),
    )


async def load_digest(
    session: AsyncSession, programme_id: int, week: str, now: datetime, tz: ZoneInfo
) -> Digest:
    """The digest for a week, as of its end (or now, for the running week): totals counted in
    the database, and only the rows the e-mail names fetched, whatever the programme's size."""
    week_start, week_end = week_bounds(week, tz)
    as_of = min(now, week_end)
    prog = (await session.scalars(select(Programme).where(Programme.id == programme_id))).one()
    window = digest_window(prog, week_start, week_end, as_of, tz)
    figures = await measure_targets(session, prog, as_of, local_day(as_of, tz), tz)
    past_end = await pairs_by_id(session, figures.past_end[:SHOWN])
    summary = await digest_summary(session, prog, window)
    digest = summarise(summary, figures, past_end, week, window, tz)
    digest.outreach = await outreach_figures(session, prog, as_of, local_day(as_of, tz))
    return digest


async def _in_full(
    session: AsyncSession,
    programme_id: int,
    week: str,
    sums: tuple[datetime, datetime],
    facts_as_of: datetime,
    as_of: datetime,
    today: date,
    tz: ZoneInfo,
) -> tuple[DigestFacts, TargetFigures, Digest]:
    """The digest from the full facts (sums over `sums`), the targets measured on `today`."""
    facts = await digest_facts(
        session,
        programme_id,
        as_of=facts_as_of,
        week_start=sums[0],
        week_end=sums[1],
        unanswered_before=facts_as_of - RULES.unanswered_after,
        tz=tz,
        worrying_score=RULES.worrying_score,
        paused_as_of=as_of,
    )
    figures = await measure_targets(session, facts.programme, as_of, today, tz)
    digest = build_digest(facts, figures, week, as_of, tz)
    digest.outreach = await outreach_figures(session, facts.programme, as_of, today)
    return facts, figures, digest


async def load_period_figures(
    session: AsyncSession, programme_id: int, start: date, end: date, now: datetime, tz: ZoneInfo
) -> tuple[DigestFacts, TargetFigures, Digest]:
    """Facts for a period (its sums cover start..end) and the figures as of the period's end
    (the measuring date is `end`, or today while the period runs)."""
    period = local_midnight(start, tz), local_midnight(end + timedelta(1), tz)
    as_of = min(now, period[1])
    today = min(end, local_day(now, tz))
    return await _in_full(session, programme_id, iso_week(end), period, as_of, as_of, today, tz)


async def load_period(
    session: AsyncSession, programme_id: int, start: date, end: date, now: datetime, tz: ZoneInfo
) -> tuple[DigestFacts, Digest]:
    facts, _, digest = await load_period_figures(session, programme_id, start, end, now, tz)
    return facts, digest


async def load_week_in_full(
    session: AsyncSession, programme_id: int, week: str, now: datetime, tz: ZoneInfo
) -> tuple[DigestFacts, Digest]:
    """The week's digest from the full facts, every pair named (the pairs page)."""
    bounds = week_bounds(week, tz)
    as_of = min(now, bounds[1])
    facts, _, digest = await _in_full(
        session, programme_id, week, bounds, now, as_of, local_day(as_of, tz), tz
    )
    return facts, digest
