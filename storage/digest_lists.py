"""The digest's named lists: active pairs at risk, due a call, ending soon (and the hours sample),
surveys due, proposed meetings, waiting youths, mentors with room, unreachable contacts and inbox
items. Totals are counted in SQL; only the first SHOWN rows of each list leave the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import ENDED, SENT, MatchStatus, MeetingStatus, PersonStatus
from storage.digest_sql import (
    HOURS_SAMPLES,
    SHOWN,
    DigestWindow,
    Listing,
    MeetingRow,
    PairRow,
    count_if,
    first_name,
    flag,
    listed_total,
    local_day,
    named,
    pair_row,
    person_listing,
)
from storage.mentor_room import TAKEN, mentors_with_room
from storage.models import (
    AuditEntry,
    CheckinAnswer,
    ContactPoint,
    HoursReport,
    InboxItem,
    Match,
    Meeting,
    Mentor,
    OutboxMessage,
    Outcome,
    Person,
    Youth,
)
from storage.pair_pauses import paused_then
from storage.queries import CALL_ACTION, PersonFacts

# Why a side is due a call, as the SQL codes it (0: not due).
CALL_DUE = {"first_month": 1, "no_call_month": 2, "worrying_checkin": 3}
CALL_WHY = {code: why for why, code in CALL_DUE.items()}


HELD_OR_CONFIRMED = (MeetingStatus.HELD, MeetingStatus.CONFIRMED)


async def _last_meeting(session: AsyncSession, pair_id: Any, as_of: datetime) -> Any:
    """A pair's last held or confirmed meeting up to `as_of`, as a per-pair look-up (for the
    few rows a list names). PostgreSQL takes the latest of each status from the index's end
    (with both in one look-up it reads every meeting of the pair); SQLite finds the end of each
    status itself."""

    def latest(*statuses: MeetingStatus) -> Any:
        return (
            select(func.max(Meeting.starts_at))
            .where(
                Meeting.match_id == pair_id,
                Meeting.status.in_(statuses),
                Meeting.starts_at <= as_of,
            )
            .scalar_subquery()
        )

    if (await session.connection()).dialect.name == "postgresql":
        return func.greatest(latest(MeetingStatus.HELD), latest(MeetingStatus.CONFIRMED))
    return latest(*HELD_OR_CONFIRMED)


def _quiet(w: DigestWindow) -> Any:
    """The no-meeting rule for every active pair at once: no held or confirmed meeting in
    [quiet_before, as_of], and either an earlier one or a start on or before quiet_start_on
    (the same as "the last meeting is before quiet_before, or there was none and the pair
    started long enough ago"). The pairs that met lately come from one pass over the
    fortnight's meetings; the per-pair look-up of an earlier meeting runs only for the pairs
    that did not meet lately and started since quiet_start_on (a few new pairs), not for all
    of them, which was most of the overview's time on PostgreSQL."""
    met_lately = select(Meeting.match_id).where(
        Meeting.status.in_(HELD_OR_CONFIRMED),
        Meeting.starts_at >= w.quiet_before,
        Meeting.starts_at <= w.as_of,
    )
    met_before = (
        select(Meeting.id)
        .where(
            Meeting.match_id == Match.id,
            Meeting.status.in_(HELD_OR_CONFIRMED),
            Meeting.starts_at < w.quiet_before,
        )
        .exists()
    )
    return and_(Match.id.not_in(met_lately), or_(Match.starts_on <= w.quiet_start_on, met_before))


@dataclass(frozen=True)
class ActiveLists:
    at_risk: Listing[PairRow]
    calls_due: Listing[PairRow]
    ending_soon: Listing[PairRow]
    hours: Listing[PairRow]
    below_hours: int


async def active_lists(
    session: AsyncSession, programme_id: int, w: DigestWindow, *, hours: bool = True
) -> ActiveLists:
    """Active pairs: the facts behind the at-risk and call rules worked out once per pair, the
    rules applied once per pair, the totals counted in one pass over them, and only the rows
    the lists name (plus an even sample of the pairs by hours, for the chart, unless `hours`
    is False: the overview has no chart, and its `hours` list is then empty) fetched.
    On PostgreSQL the caller turns JIT off first (`storage.digest_sql.jit_off`)."""
    quiet = _quiet(w)
    # Each look-up below is aggregated once, over the rows that can matter (GROUP BY), and
    # joined to the active pairs: no per-pair subquery runs for the tables that are empty
    # for most pairs. Hours reported this month (until the week's end), per pair:
    month_hours = (
        select(HoursReport.match_id, func.sum(HoursReport.minutes).label("minutes"))
        .where(HoursReport.month == w.hours_month, HoursReport.reported_at < w.week_end)
        .group_by(HoursReport.match_id)
        .subquery("pair_hours")
    )
    # Messages sent to a person that await a reply, past the grace period, per person (a
    # pair's is its youth's and its mentor's together: they are two people). A CTE: worked
    # out once for both sides, as are the worries below.
    waiting = (
        select(OutboxMessage.person_id, func.count().label("unanswered"))
        .where(
            OutboxMessage.awaiting_reply == true(),  # = (not IS) lets PostgreSQL use the index
            OutboxMessage.status.in_(SENT),
            OutboxMessage.sent_at <= w.unanswered_before,
        )
        .group_by(OutboxMessage.person_id)
        .cte("person_unanswered")
    )
    youth_waits = waiting.alias("youth_unanswered")
    mentor_waits = waiting.alias("mentor_unanswered")
    unanswered = func.coalesce(youth_waits.c.unanswered, 0) + func.coalesce(
        mentor_waits.c.unanswered, 0
    )
    # The coordinator's calls to a pair until the week's end, per pair and side: how many,
    # the last, and how many in the last month (a call to "both" counts for each side).
    side = func.coalesce(AuditEntry.details["side"].as_string(), "both")

    def to_side(who: str) -> Any:
        return side.in_((who, "both"))

    calls = (
        select(
            AuditEntry.entity_id.label("match_id"),
            *(
                column
                for who in ("youth", "mentor")
                for column in (
                    count_if(to_side(who)).label(f"{who}_made"),
                    func.max(case((to_side(who), AuditEntry.at))).label(f"{who}_last"),
                    count_if(and_(to_side(who), AuditEntry.at >= w.call_stale_before)).label(
                        f"{who}_recent"
                    ),
                )
            ),
        )
        .where(
            AuditEntry.entity == "match",
            AuditEntry.action == CALL_ACTION,
            AuditEntry.at < w.week_end,
        )
        .group_by(AuditEntry.entity_id)
        .subquery("pair_calls")
    )
    # Each person's latest worrying check-in answer in a pair, as of the digest's moment: one
    # came since that side's last call when the latest did.
    worries = (
        select(
            CheckinAnswer.match_id,
            CheckinAnswer.person_id,
            func.max(CheckinAnswer.answered_at).label("worried_at"),
        )
        .where(CheckinAnswer.score <= w.worrying_score, CheckinAnswer.answered_at <= w.as_of)
        .group_by(CheckinAnswer.match_id, CheckinAnswer.person_id)
        .cte("pair_worries")
    )
    youth_worry, mentor_worry = worries.alias("youth_worry"), worries.alias("mentor_worry")
    # Paused by the coordinator as of the digest's moment (mentoring/pair_actions.py): neither
    # at risk nor due a call until resumed.
    pauses = paused_then(w.as_of)
    paused = or_(
        and_(Match.paused_at.is_not(None), Match.paused_at <= w.as_of),
        pauses.c.match_id.is_not(None),
    )
    needed = flag(Match.starts_on <= w.one_call_from) + flag(Match.starts_on <= w.two_calls_from)

    def call_due(who: str, worried_at: Any) -> Any:
        """Whether a side is due a call, as a CALL_DUE code: a worrying check-in answer since
        its last call; in the first month, fewer calls than needed so far; after it, no call in
        the last month (the call rule, read from the pair's aggregated calls)."""
        made = func.coalesce(calls.c[f"{who}_made"], 0)
        last = calls.c[f"{who}_last"]
        recent = func.coalesce(calls.c[f"{who}_recent"], 0)
        worry = and_(worried_at.is_not(None), or_(last.is_(None), worried_at > last))
        return case(
            (paused, 0),  # a paused pair is called about when it is resumed
            (worry, CALL_DUE["worrying_checkin"]),
            (
                Match.starts_on > w.first_month_after,
                case((made < needed, CALL_DUE["first_month"]), else_=0),
            ),
            (recent == 0, CALL_DUE["no_call_month"]),
            else_=0,
        )

    minutes = func.coalesce(month_hours.c.minutes, 0)
    reasons = [
        flag(quiet),
        flag(and_(Match.starts_on <= w.hours_month, minutes < w.commitment_minutes))
        if w.hours_check
        else literal(0),
        flag(unanswered > 0),
        flag(and_(Match.unsure_flag_at.is_not(None), Match.unsure_flag_at <= w.as_of)),
        flag(and_(Match.at_risk_reason.is_not(None), Match.at_risk_reason != "")),
    ]
    # The facts and the rules, worked out once per pair in one pass: every later use reads
    # plain columns. At risk: the active pairs started by today and not paused, with at least
    # one of these reasons as of the digest's moment; due a call: the same pairs with a side due
    # by `call_due`.
    ruled = (
        select(
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            Match.starts_on,
            Match.ends_on,
            Match.unsure_flag_at,
            Match.at_risk_reason,
            minutes.label("minutes"),
            unanswered.label("unanswered"),
            call_due("youth", youth_worry.c.worried_at).label("youth_due"),
            call_due("mentor", mentor_worry.c.worried_at).label("mentor_due"),
            flag(paused).label("paused"),
            case((paused, 0), else_=sum(reasons[1:], reasons[0])).label("reasons"),
            flag(and_(Match.ends_on >= w.today, Match.ends_on <= w.ending_until)).label("ending"),
        )
        .outerjoin(month_hours, month_hours.c.match_id == Match.id)
        .outerjoin(pauses, pauses.c.match_id == Match.id)
        .outerjoin(youth_waits, youth_waits.c.person_id == Match.youth_id)
        .outerjoin(mentor_waits, mentor_waits.c.person_id == Match.mentor_id)
        .outerjoin(calls, calls.c.match_id == Match.id)
        .outerjoin(
            youth_worry,
            and_(youth_worry.c.match_id == Match.id, youth_worry.c.person_id == Match.youth_id),
        )
        .outerjoin(
            mentor_worry,
            and_(mentor_worry.c.match_id == Match.id, mentor_worry.c.person_id == Match.mentor_id),
        )
        .where(
            Match.programme_id == programme_id,
            Match.status == MatchStatus.ACTIVE,
            Match.starts_on.is_not(None),
            Match.starts_on <= w.today,
        )
        .cte("active_ruled")
        .prefix_with("MATERIALIZED")
    )
    r = ruled.c
    calling = or_(r.youth_due > 0, r.mentor_due > 0)
    totals = (
        select(
            func.count().label("active"),
            count_if(r.reasons > 0).label("at_risk"),
            count_if(calling).label("calls_due"),
            count_if(r.ending > 0).label("ending_soon"),
            count_if(r.minutes < w.commitment_minutes).label("below"),
        )
        .cte("active_totals")
        .prefix_with("MATERIALIZED")
    )

    # The rows named: the first SHOWN of each list (a top-N scan each, no full sort) and an
    # even sample of the pairs sorted by hours for the chart (a sort of two narrow columns).
    def first(condition: Any, *order: Any) -> Any:
        return select(r.id).where(condition).order_by(*order).limit(SHOWN).subquery().select()

    by_hours = select(
        r.id, func.row_number().over(order_by=(r.minutes.desc(), r.id)).label("rank")
    ).subquery()
    active = select(totals.c.active).scalar_subquery()
    step = (by_hours.c.rank - 1) * HOURS_SAMPLES
    sample = (
        select(by_hours.c.id)
        .where(
            or_(
                by_hours.c.rank == 1,
                step.self_group().op("/")(active)
                != (step - HOURS_SAMPLES).self_group().op("/")(active),
            )
        )
        .limit(HOURS_SAMPLES)  # there are never more; it tells PostgreSQL how few there are
        .cte("hours_sample")
        .prefix_with("MATERIALIZED")
    )
    lists = [
        first(r.reasons > 0, r.reasons.desc(), r.id),
        first(calling, r.id),
        first(r.ending > 0, r.ends_on, r.id),
    ]
    picked = union(*lists, *([select(sample.c.id)] if hours else [])).subquery()
    rows = (
        await session.execute(
            select(
                ruled,
                (flag(r.id.in_(select(sample.c.id))) if hours else literal(0)).label("sampled"),
                totals,
                (await _last_meeting(session, r.id, w.as_of)).label("last_meeting_at"),
                first_name(r.youth_id).label("youth_name"),
                first_name(r.mentor_id).label("mentor_name"),
            )
            .select_from(ruled)
            .join(totals, true())
            .where(r.id.in_(select(picked.c.id)))
            .order_by(r.id)
        )
    ).all()
    head = rows[0] if rows else None

    def active_row(a: Any) -> PairRow:
        sides = tuple(
            (s, CALL_WHY[d]) for s, d in (("youth", a.youth_due), ("mentor", a.mentor_due)) if d
        )
        return pair_row(
            a,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
            unsure_flag_at=a.unsure_flag_at,
            at_risk_reason=a.at_risk_reason,
            last_meeting_at=a.last_meeting_at,
            minutes=int(a.minutes or 0),
            unanswered=int(a.unanswered or 0),
            call_sides=sides,
        )

    def total(name: str) -> int:
        return int(getattr(head, name) or 0) if head else 0

    def listing(keep: Any, key: Any, name: str) -> Listing[PairRow]:
        """A list's first rows: every row it holds is among the picked, and rows picked for
        another list sort after them."""
        named = sorted((a for a in rows if keep(a)), key=key)[:SHOWN]
        return Listing([active_row(a) for a in named], total(name))

    return ActiveLists(
        at_risk=listing(lambda a: a.reasons > 0, lambda a: (-a.reasons, a.id), "at_risk"),
        calls_due=listing(lambda a: a.youth_due or a.mentor_due, lambda a: a.id, "calls_due"),
        ending_soon=listing(lambda a: a.ending > 0, lambda a: (a.ends_on, a.id), "ending_soon"),
        hours=Listing(
            [active_row(a) for a in sorted(rows, key=lambda a: (-a.minutes, a.id)) if a.sampled],
            total("active"),
        ),
        below_hours=total("below"),
    )


async def surveys_due(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> Listing[PairRow]:
    """Each youth's last ended pair, due three months on, unless an outcome came since."""
    ended = and_(Match.status.in_(ENDED), Match.accepted_at <= w.as_of, Match.ended_at <= w.as_of)
    last_ended = (
        select(
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            Match.ended_at,
            func.row_number()
            .over(partition_by=Match.youth_id, order_by=(Match.ended_at.desc(), Match.id.desc()))
            .label("rank"),
        )
        .where(Match.programme_id == programme_id, ended)
        .subquery()
    )
    finished = await local_day(session, last_ended.c.ended_at, w.tz)
    answered = (
        select(Outcome.id)
        .where(
            Outcome.programme_id == programme_id,
            Outcome.youth_id == last_ended.c.youth_id,
            Outcome.created_at < w.week_end,
            Outcome.observed_on >= finished,
            Outcome.at_closure.is_(False),  # a closure's status never cancels the survey
        )
        .exists()
    )
    surveys_q = (
        select(
            last_ended.c.id,
            last_ended.c.youth_id,
            last_ended.c.mentor_id,
            last_ended.c.ended_at,
            func.count().over().label("total"),
        )
        .where(
            last_ended.c.rank == 1,
            last_ended.c.ended_at < w.survey_ended_before,
            ~answered,
        )
        .order_by(last_ended.c.ended_at, last_ended.c.id)
        .limit(SHOWN)
        .subquery()
    )
    survey_rows = (
        await session.execute(named(surveys_q, surveys_q.c.ended_at, surveys_q.c.id))
    ).all()
    return Listing(
        [pair_row(r, ended_at=r.ended_at) for r in survey_rows], listed_total(survey_rows)
    )


async def proposals(
    session: AsyncSession, programme_id: int, w: DigestWindow
) -> Listing[MeetingRow]:
    """Proposed meetings still to come, soonest first."""
    # Read from the meetings (status and start, the index ix_meetings_status_starts), each
    # pair checked by key: a programme's few proposals, not every pair's meetings. The total
    # counts the same meetings once; the list is the first SHOWN by start.
    pair = (
        select(Match.id)
        .where(
            Match.id == Meeting.match_id,
            Match.programme_id == programme_id,
            Match.status != MatchStatus.DECLINED,
        )
        .exists()
    )
    upcoming = (
        Meeting.status == MeetingStatus.PROPOSED,
        Meeting.starts_at > w.as_of,
        Meeting.proposed_at <= w.as_of,
        pair,
    )
    total = select(func.count()).select_from(Meeting).where(*upcoming).scalar_subquery()
    first = (
        select(Meeting.id, Meeting.match_id, Meeting.starts_at, Meeting.proposed_at)
        .where(*upcoming)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(SHOWN)
        .subquery()
    )
    proposals = (
        select(
            first.c.id.label("meeting_id"),
            first.c.starts_at,
            first.c.proposed_at,
            Match.id,
            Match.youth_id,
            Match.mentor_id,
            total.label("total"),
        )
        .join(Match, Match.id == first.c.match_id)
        .subquery()
    )
    proposal_rows = (
        await session.execute(named(proposals, proposals.c.starts_at, proposals.c.meeting_id))
    ).all()
    return Listing(
        [MeetingRow(r.meeting_id, pair_row(r), r.starts_at, r.proposed_at) for r in proposal_rows],
        listed_total(proposal_rows),
    )


@dataclass(frozen=True)
class PeopleLists:
    waiting: Listing[PersonFacts]
    mentors_free: Listing[PersonFacts]
    unreachable: Listing[PersonFacts]
    inbox: Listing[PersonFacts]


async def unreachable_people(session: AsyncSession, programme_id: int) -> Listing[PersonFacts]:
    """The programme's people with a contact point that failed, now."""
    # Unreachable contacts, read from the contact points that failed ("not ok" as two ranges,
    # so the index on state finds the few; != cannot use it), each owner looked up by key.
    owner_name = first_name(ContactPoint.person_id).label("first_name")
    return await person_listing(
        session,
        select(
            ContactPoint.person_id,
            owner_name,
            ContactPoint.state_changed_at,
            ContactPoint.channel,
            ContactPoint.state,
            func.count().over().label("total"),
        )
        .where(
            or_(ContactPoint.state < "ok", ContactPoint.state > "ok"),
            select(Person.id)
            .where(
                Person.id == ContactPoint.person_id,
                Person.programme_id == programme_id,
                Person.status != PersonStatus.ERASED,
            )
            .exists(),
        )
        .order_by(owner_name, ContactPoint.person_id, ContactPoint.channel),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], f"{r[3]}:{r[4]}"),
    )


async def people_lists(session: AsyncSession, programme_id: int, w: DigestWindow) -> PeopleLists:
    """Waiting youths, mentors with room, contact points that failed, unhandled inbox items."""
    waiting = await person_listing(
        session,
        select(
            Person.id,
            Person.first_name,
            Youth.waiting_since,
            Youth.target_group,
            func.count().over().label("total"),
        )
        .join(Youth, Youth.person_id == Person.id)
        .where(
            Person.programme_id == programme_id,
            Person.status == PersonStatus.ACTIVE,
            Youth.waiting_since.is_not(None),
            Youth.waiting_since <= w.as_of,
        )
        .order_by(Youth.waiting_since, Person.id),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], r[3]),
    )
    mentors_free = await person_listing(
        session,
        mentors_with_room(
            programme_id,
            Person.id,
            Person.first_name,
            Mentor.capacity,
            TAKEN,
            func.count().over().label("total"),
        ).order_by(Person.first_name, Person.id),
        lambda r: PersonFacts(r[0], r[1] or "", None, str(r[2]), int(r[2]) - int(r[3])),
    )
    unreachable = await unreachable_people(session, programme_id)
    inbox = await person_listing(
        session,
        select(
            InboxItem.id,
            Person.first_name,
            InboxItem.created_at,
            InboxItem.kind,
            func.count().over().label("total"),
        )
        .outerjoin(Person, Person.id == InboxItem.person_id)
        .where(
            InboxItem.programme_id == programme_id,
            InboxItem.handled_at.is_(None),
            InboxItem.created_at < w.week_end,
        )
        .order_by(InboxItem.created_at, InboxItem.id),
        lambda r: PersonFacts(r[0], r[1] or "", r[2], r[3]),
    )

    return PeopleLists(waiting, mentors_free, unreachable, inbox)


async def pairs_by_id(session: AsyncSession, ids: Sequence[int]) -> list[PairRow]:
    """Named pairs, in the order given (a list the targets picked, e.g. past their end date)."""
    if not ids:
        return []
    rows = await session.execute(
        select(
            Match.id, Match.youth_id, Match.mentor_id, Match.starts_on, Match.ends_on,
            first_name(Match.youth_id).label("youth_name"),
            first_name(Match.mentor_id).label("mentor_name"),
        ).where(Match.id.in_(list(ids)))
    )  # fmt: skip
    found = {r.id: pair_row(r, starts_on=r.starts_on, ends_on=r.ends_on) for r in rows}
    return [found[i] for i in ids if i in found]
