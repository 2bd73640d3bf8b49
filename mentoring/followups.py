"""The follow-up rules: which FollowUp rows exist when, and what to do when one is due.

Follow-ups are domain rows with a unique key (README, "Outbox and follow-ups"), so a rescheduled
meeting moves its reminders, a cancelled one drops them, and nothing is sent twice. The services
call the `on_*` hooks in the same transaction as the change; the sweep (mentoring/sweep.py) claims
due rows and calls `act`, which decides whether the follow-up still makes sense *now* (late rows
after downtime are sent if still meaningful, otherwise dropped with a log line).

Rules (defaults; the numbers live in mentoring/rules.py): the mentor is asked to accept at once,
reminded after 72 h, and the coordinator is flagged 48 h later (the accept flow itself welcomes
both sides at once, so no follow-up introduces them); meetings get reminders 24 h and 2 h before
and a "was it held, how many hours?" 3 h after the start; 14 days without a meeting nudges
both, 21 days flags the pair at risk; on day 20 of each local month hours below the programme's
commitment nudge both; a check-in after 6 weeks; closure on the end date; the outcome survey
3 months after the end with the coordinator asked 7 days later if unanswered.
Questions (meeting held, check-in, closure) climb the silent-partner ladder: reminder after
3 days, a second after 6, a coordinator flag after 9. A question sent on Telegram and unanswered
after 48 h is sent again by SMS to a verified number. The coordinator's own call cadence is the
digest's (mentoring/digest.py reads calls from the audit log), so it has no rows here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date, month_start
from core.statuses import (
    PLANNED,
    UNDELIVERED,
    UPCOMING,
    FollowUpState,
    MatchStatus,
    MeetingStatus,
    OutboxStatus,
)
from mentoring import inbox, outbound
from mentoring.pairs import partner_name
from mentoring.prompts import ask
from mentoring.quiet_hours import COPENHAGEN, at_local, next_allowed
from mentoring.rules import RULES, for_programme
from messaging.render import Renderer
from storage.models import (
    CheckinAnswer,
    ConversationState,
    FollowUp,
    HoursReport,
    Match,
    Meeting,
    OutboxMessage,
    Outcome,
    Person,
    Programme,
    Youth,
)

log = logging.getLogger(__name__)

LADDER_QUESTIONS = ("meeting_held", "checkin", "closure")
AT_RISK_NO_MEETING = "no_meeting"

# Options as (key, label template, context); rendered into {"key", "label"} for the outbox.
OptionSpec = tuple[str, str, dict[str, Any]]
YES_NO: list[OptionSpec] = [("yes", "followup_option_yes", {}), ("no", "followup_option_no", {})]
SCORES: list[OptionSpec] = [(str(n), "followup_option_score", {"score": n}) for n in range(1, 6)]


# --- creating and moving rows ---------------------------------------------------------------


async def schedule(
    session: AsyncSession,
    key: str,
    kind: str,
    due_at: datetime,
    *,
    programme_id: int,
    match_id: int | None = None,
    meeting_id: int | None = None,
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> FollowUp:
    """Create the row for `key`, or move it while still pending; done or dropped rows stay."""
    row = await session.scalar(select(FollowUp).where(FollowUp.key == key))
    if row is None:
        row = FollowUp(
            programme_id=programme_id,
            key=key,
            kind=kind,
            due_at=due_at,
            match_id=match_id,
            meeting_id=meeting_id,
            person_id=person_id,
            state=FollowUpState.PENDING,
            payload=payload or {},
        )
        session.add(row)
    elif row.state == FollowUpState.PENDING:
        row.due_at = due_at
        if payload is not None:
            row.payload = payload
    return row


async def drop_pending(session: AsyncSession, now: datetime, *where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.state == FollowUpState.PENDING, *where)
        .values(state=FollowUpState.DROPPED, done_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def on_day(day: date, tz: ZoneInfo = COPENHAGEN) -> datetime:
    """A date-based follow-up: 10:00 local on that day, or the next allowed time."""
    return next_allowed(at_local(day, RULES.send_at, tz), tz)


# --- hooks the services call -----------------------------------------------------------------


async def on_match_created(
    session: AsyncSession, match: Match, now: datetime, tz: ZoneInfo = COPENHAGEN
) -> None:
    """Ask the mentor to accept, remind after 72 h, flag the coordinator 48 h after that."""
    common: dict[str, Any] = {"programme_id": match.programme_id, "match_id": match.id}
    await schedule(
        session, f"match_offer:{match.id}", "match_offer", now, person_id=match.mentor_id, **common
    )
    await schedule(
        session,
        f"accept_reminder:{match.id}",
        "accept_reminder",
        next_allowed(now + RULES.accept_reminder_after, tz),
        person_id=match.mentor_id,
        **common,
    )
    await schedule(
        session, f"accept_flag:{match.id}", "accept_flag", now + RULES.accept_flag_after, **common
    )


async def on_match_accepted(
    session: AsyncSession, match: Match, now: datetime, tz: ZoneInfo = COPENHAGEN
) -> None:
    """Plan the pair's programme: checks, check-in, closure, survey.

    The welcome to both sides is the accept flow's immediate reply (bot/flows/matching.py).
    """
    assert match.starts_on is not None and match.ends_on is not None
    await drop_pending(
        session,
        now,
        FollowUp.match_id == match.id,
        FollowUp.kind.in_(("match_offer", "accept_reminder", "accept_flag")),
    )
    common: dict[str, Any] = {"programme_id": match.programme_id, "match_id": match.id}
    for person_id in (match.youth_id, match.mentor_id):
        await schedule(
            session,
            f"checkin:{match.id}:{person_id}",
            "checkin",
            on_day(match.starts_on + timedelta(days=RULES.checkin_after_days), tz),
            person_id=person_id,
            **common,
        )
    await _plan_no_meeting_check(session, match, match.starts_on, tz)
    hours_day = RULES.first_hours_check(match.starts_on)
    if hours_day < match.ends_on:
        await _plan_hours_check(session, match, hours_day, tz)
    await _plan_end(session, match, match.ends_on, tz)


async def on_match_extended(session: AsyncSession, match: Match, tz: ZoneInfo = COPENHAGEN) -> None:
    """A longer programme moves the closure and the outcome survey with the new end date."""
    if match.ends_on is not None:
        await _plan_end(session, match, match.ends_on, tz)


async def on_match_closed(
    session: AsyncSession, match: Match, now: datetime, tz: ZoneInfo = COPENHAGEN
) -> None:
    """Everything pending for the pair stops; a pair that ran gets its outcome survey."""
    await drop_pending(
        session, now, FollowUp.match_id == match.id, FollowUp.kind != "outcome_survey"
    )
    if match.accepted_at is None:
        await drop_pending(session, now, FollowUp.match_id == match.id)
        return
    end = local_date(now, tz)
    if match.ends_on is not None and match.status == MatchStatus.COMPLETED:
        end = min(end, match.ends_on)
    await _plan_survey(session, match, end, tz)


async def on_meeting_changed(
    session: AsyncSession, meeting: Meeting, now: datetime, tz: ZoneInfo = COPENHAGEN
) -> None:
    """Call after proposing, confirming, rescheduling, cancelling or marking a meeting."""
    match = await session.get(Match, meeting.match_id)
    if match is None:
        return
    if meeting.status not in UPCOMING:
        await drop_pending(session, now, FollowUp.meeting_id == meeting.id)
        if meeting.status == MeetingStatus.HELD:
            await _meeting_happened(session, match, meeting, tz)
        return
    common: dict[str, Any] = {
        "programme_id": match.programme_id,
        "match_id": match.id,
        "meeting_id": meeting.id,
    }
    for person_id in (match.youth_id, match.mentor_id):
        for label, before in RULES.meeting_reminders:
            key = f"meeting_reminder:{meeting.id}:{label}:{person_id}"
            due = meeting.starts_at - before
            if due <= now:
                await drop_pending(session, now, FollowUp.key == key)
                continue
            await schedule(
                session,
                key,
                "meeting_reminder",
                due,
                person_id=person_id,
                payload={"label": label},
                **common,
            )
    await schedule(
        session,
        f"meeting_held:{meeting.id}",
        "meeting_held",
        next_allowed(meeting.starts_at + RULES.meeting_held_after, tz),
        person_id=match.youth_id,
        **common,
    )
    await _meeting_happened(session, match, meeting, tz)


async def _meeting_happened(
    session: AsyncSession, match: Match, meeting: Meeting, tz: ZoneInfo
) -> None:
    """A planned or held meeting clears a no-meeting flag and restarts the 14-day clock."""
    if match.at_risk_reason == AT_RISK_NO_MEETING:
        match.at_risk_reason = None
    if match.status == MatchStatus.ACTIVE:
        await _plan_no_meeting_check(session, match, local_date(meeting.starts_at, tz), tz)


async def _plan_no_meeting_check(
    session: AsyncSession, match: Match, since: date, tz: ZoneInfo
) -> None:
    await schedule(
        session,
        f"no_meeting:{match.id}:{since.isoformat()}",
        "no_meeting",
        on_day(since + timedelta(days=RULES.no_meeting_days), tz),
        programme_id=match.programme_id,
        match_id=match.id,
        payload={"since": since.isoformat()},
    )


async def _plan_hours_check(session: AsyncSession, match: Match, day: date, tz: ZoneInfo) -> None:
    await schedule(
        session,
        f"hours:{match.id}:{day:%Y-%m}",
        "hours",
        on_day(day, tz),
        programme_id=match.programme_id,
        match_id=match.id,
        payload={"month": month_start(day).isoformat()},
    )


async def _plan_end(session: AsyncSession, match: Match, ends_on: date, tz: ZoneInfo) -> None:
    for person_id in (match.youth_id, match.mentor_id):
        await schedule(
            session,
            f"closure:{match.id}:{person_id}",
            "closure",
            on_day(ends_on, tz),
            programme_id=match.programme_id,
            match_id=match.id,
            person_id=person_id,
        )
    await _plan_survey(session, match, ends_on, tz)


async def _plan_survey(session: AsyncSession, match: Match, ended_on: date, tz: ZoneInfo) -> None:
    await schedule(
        session,
        f"outcome_survey:{match.id}",
        "outcome_survey",
        on_day(RULES.survey_due(ended_on), tz),
        programme_id=match.programme_id,
        match_id=match.id,
        person_id=match.youth_id,
        payload={"ended_on": ended_on.isoformat()},
    )


# --- acting when a row is due ----------------------------------------------------------------


@dataclass
class Ctx:
    session: AsyncSession
    renderer: Renderer
    now: datetime
    tz: ZoneInfo = COPENHAGEN
    # The coordinator's flags (InboxItem rows), written together once the batch has run: one
    # statement instead of a flush per row.
    flags: list[dict[str, Any]] = field(default_factory=list)
    # Each youth's latest outcome date, when the sweep loaded them for the batch in one query
    # (a youth missing from it has none); None: ask per row.
    latest_outcome: dict[int, date] | None = None

    async def write_flags(self) -> None:
        await inbox.add_flags(self.session, self.flags)

    @property
    def send_at(self) -> datetime:
        """Nudges wait for the next allowed time (quiet hours, Sundays, public holidays)."""
        return next_allowed(self.now, self.tz)

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)


@dataclass(frozen=True)
class Result:
    """What became of a due row: done, dropped (with the reason logged), or postponed."""

    state: str
    reason: str | None = None
    due_at: datetime | None = None


DONE = Result("done")


def dropped(reason: str) -> Result:
    return Result("dropped", reason)


@dataclass
class Question:
    person_id: int
    flow: str
    data: dict[str, Any]
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    options: list[OptionSpec] = field(default_factory=list)

    def choices(self) -> tuple[outbound.Option, ...]:
        return tuple(outbound.Option(key, label, context) for key, label, context in self.options)


async def _person(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id is not None else None


async def _running_match(ctx: Ctx, fu: FollowUp) -> Match | None:
    """The row's pair if it is still running (a nudge to a pair that ended makes no sense)."""
    match = await ctx.session.get(Match, fu.match_id) if fu.match_id is not None else None
    return match if match is not None and match.status == MatchStatus.ACTIVE else None


async def _nudge(
    ctx: Ctx, fu: FollowUp, person_id: int, template: str, context: dict[str, Any]
) -> bool:
    message = await outbound.say(
        ctx.session,
        ctx.renderer,
        person_id,
        template,
        context,
        not_before=ctx.send_at,
        dedupe_key=f"fu:{fu.key}:{person_id}"[:120],
    )
    return message is not None


async def _ask(ctx: Ctx, fu: FollowUp, question: Question, *, reminder: bool = False) -> bool:
    person = await _person(ctx.session, question.person_id)
    if person is None:
        return False
    message = await ask(
        ctx.session,
        ctx.renderer,
        question.person_id,
        question.flow,
        question.data,
        question.template,
        {**question.context, "reminder": reminder},
        options=question.choices(),
        not_before=ctx.send_at,
        dedupe_key=f"fu:{fu.key}"[:120],
    )
    if message is None:
        return False
    if message.channel == "telegram":
        await ctx.session.flush()
        await schedule(
            ctx.session,
            f"sms:{fu.key}",
            "sms_resend",
            next_allowed(ctx.send_at + RULES.sms_resend_after, ctx.tz),
            programme_id=fu.programme_id,
            match_id=fu.match_id,
            meeting_id=fu.meeting_id,
            person_id=question.person_id,
            payload={"outbox_id": message.id, "question": fu.key},
        )
    return True


async def _ladder(ctx: Ctx, fu: FollowUp) -> None:
    for rung, after in RULES.ladder:
        await schedule(
            ctx.session,
            f"{fu.key}:{rung}",
            "ladder",
            next_allowed(ctx.send_at + after, ctx.tz),
            programme_id=fu.programme_id,
            match_id=fu.match_id,
            meeting_id=fu.meeting_id,
            person_id=fu.person_id,
            payload={"question": fu.key, "rung": rung},
        )


def _flag(ctx: Ctx, fu: FollowUp, kind: inbox.Kind, person_id: int | None = None) -> None:
    ctx.flags.append(
        inbox.flag(
            kind,
            programme_id=fu.programme_id,
            person_id=person_id,
            match_id=fu.match_id,
            now=ctx.now,
        )
    )


# The questions, rebuilt from the database whenever they are asked (again, or by SMS).


async def _question(ctx: Ctx, fu: FollowUp) -> Question | None:
    """The question a row asks, or None when it has been answered or no longer applies."""
    session = ctx.session
    if fu.kind in ("match_offer", "accept_reminder"):
        match = await session.get(Match, fu.match_id)
        if match is None or match.status != MatchStatus.PROPOSED:
            return None
        youth = await session.get(Youth, match.youth_id)
        person = await _person(session, match.youth_id)
        return Question(
            match.mentor_id,
            "accept_match",
            {"match_id": match.id},
            "followup_match_offer",
            {
                "youth_name": (person.first_name if person else None) or "",
                "age": ctx.today.year - youth.birth_year if youth else None,
                "interests": (youth.interests_text if youth else None) or "",
                "area": (youth.area if youth else None) or "",
            },
            YES_NO,
        )
    if fu.kind == "meeting_held":
        meeting = await session.get(Meeting, fu.meeting_id)
        if meeting is None or meeting.status not in UPCOMING:
            return None
        reported = await session.scalar(
            select(exists().where(HoursReport.meeting_id == meeting.id))
        )
        if reported or fu.person_id is None:
            return None
        return Question(
            fu.person_id,
            "meeting_held",
            {"meeting_id": meeting.id},
            "followup_meeting_held",
            {"starts_at": meeting.starts_at},
            YES_NO,
        )
    if fu.kind in ("checkin", "closure"):
        match = await _running_match(ctx, fu)
        if match is None or fu.person_id is None:
            return None
        answered = await session.scalar(
            select(
                exists().where(
                    CheckinAnswer.match_id == match.id,
                    CheckinAnswer.person_id == fu.person_id,
                    CheckinAnswer.kind == fu.kind,
                )
            )
        )
        if answered:
            return None
        partner = await partner_name(ctx.session, match, fu.person_id)
        return Question(
            fu.person_id,
            fu.kind,
            {"match_id": match.id},
            f"followup_{fu.kind}",
            {"partner_name": partner},
            SCORES,
        )
    if fu.kind == "outcome_survey":
        if fu.person_id is None or await _has_outcome(ctx, fu):
            return None
        return Question(
            fu.person_id, "outcome_survey", {"youth_id": fu.person_id}, "followup_outcome_survey"
        )
    return None


async def _has_outcome(ctx: Ctx, fu: FollowUp) -> bool:
    ended = fu.payload.get("ended_on")
    since = date.fromisoformat(ended) if ended else date.min
    if fu.person_id is None:
        return False
    if ctx.latest_outcome is not None:  # loaded for the whole batch by the sweep
        latest = ctx.latest_outcome.get(fu.person_id)
        return latest is not None and latest >= since
    found = await ctx.session.scalar(
        select(exists().where(Outcome.youth_id == fu.person_id, Outcome.observed_on >= since))
    )
    return bool(found)


async def _act_question(ctx: Ctx, fu: FollowUp) -> Result:
    question = await _question(ctx, fu)
    if question is None:
        return dropped("answered or no longer applies")
    if fu.kind == "meeting_held":
        meeting = await ctx.session.get(Meeting, fu.meeting_id)
        if meeting is not None and ctx.now - meeting.starts_at > RULES.meeting_held_stale:
            return dropped("meeting too long ago to ask")
    if fu.kind == "closure":
        match = await ctx.session.get(Match, fu.match_id)
        if match is not None and match.ends_on is not None and ctx.today < match.ends_on:
            return Result("postponed", "extended", on_day(match.ends_on, ctx.tz))
    if not await _ask(ctx, fu, question, reminder=fu.kind == "accept_reminder"):
        return dropped("unreachable")
    if fu.kind in LADDER_QUESTIONS:
        await _ladder(ctx, fu)
    if fu.kind == "outcome_survey":
        await schedule(
            ctx.session,
            f"outcome_coordinator:{fu.match_id}",
            "outcome_coordinator",
            ctx.now + timedelta(days=RULES.outcome_answer_days),
            programme_id=fu.programme_id,
            match_id=fu.match_id,
            person_id=fu.person_id,
            payload=dict(fu.payload),
        )
    return DONE


async def _base(ctx: Ctx, fu: FollowUp) -> FollowUp | None:
    key = fu.payload.get("question")
    return await ctx.session.scalar(select(FollowUp).where(FollowUp.key == key)) if key else None


async def _act_ladder(ctx: Ctx, fu: FollowUp) -> Result:
    base = await _base(ctx, fu)
    question = await _question(ctx, base) if base is not None else None
    if base is None or question is None:
        return dropped("answered or no longer applies")
    if fu.payload.get("rung") == "flag":
        _flag(ctx, fu, inbox.Kind.SILENT_PARTNER, fu.person_id)
        return DONE
    if not await _ask(ctx, fu, question, reminder=True):
        return dropped("unreachable")
    return DONE


async def _act_sms_resend(ctx: Ctx, fu: FollowUp) -> Result:
    session = ctx.session
    message = await session.get(OutboxMessage, fu.payload.get("outbox_id"))
    base = await _base(ctx, fu)
    if message is None or base is None or message.status in UNDELIVERED:
        return dropped("question not sent")
    if message.sent_at is None:
        if message.status == OutboxStatus.PENDING:
            return Result("postponed", "not sent yet", ctx.now + RULES.sms_resend_after)
        return dropped("question not sent")
    if message.sent_at + RULES.sms_resend_after > ctx.now:
        return Result("postponed", "sent later", message.sent_at + RULES.sms_resend_after)
    state = await session.get(ConversationState, fu.person_id)
    if state is not None and state.updated_at > message.sent_at:
        return dropped("the person wrote since")
    question = await _question(ctx, base)
    if question is None:
        return dropped("answered")
    resent = await outbound.say(
        session,
        ctx.renderer,
        question.person_id,
        question.template,
        {**question.context, "reminder": True},
        channel="sms",
        options=question.choices(),
        not_before=ctx.send_at,
        dedupe_key=f"fu:{fu.key}"[:120],
        awaiting_reply=True,
    )
    if resent is None:
        return dropped("no verified SMS number")
    return DONE


async def _act_accept_flag(ctx: Ctx, fu: FollowUp) -> Result:
    match = await ctx.session.get(Match, fu.match_id)
    if match is None or match.status != MatchStatus.PROPOSED:
        return dropped("answered")
    _flag(ctx, fu, inbox.Kind.ACCEPT_OVERDUE, match.mentor_id)
    return DONE


async def _act_meeting_reminder(ctx: Ctx, fu: FollowUp) -> Result:
    meeting = await ctx.session.get(Meeting, fu.meeting_id)
    if meeting is None or meeting.status not in UPCOMING or fu.person_id is None:
        return dropped("meeting not open")
    send_at = ctx.send_at
    if send_at >= meeting.starts_at:
        return dropped("meeting has passed")
    if (
        fu.payload.get("label") == "24h"
        and send_at >= meeting.starts_at - RULES.meeting_reminder["2h"]
    ):
        return dropped("too late; the 2-hour reminder covers it")
    match = await ctx.session.get(Match, meeting.match_id)
    partner = await partner_name(ctx.session, match, fu.person_id) if match else ""
    context = {
        "starts_at": meeting.starts_at,
        "place": meeting.place or "",
        "partner_name": partner,
        "confirmed": meeting.status == MeetingStatus.CONFIRMED,
        "soon": fu.payload.get("label") == "2h",
    }
    sent = await _nudge(ctx, fu, fu.person_id, "followup_meeting_reminder", context)
    return DONE if sent else dropped("unreachable")


async def _last_activity(ctx: Ctx, match: Match) -> date:
    latest = await ctx.session.scalar(
        select(func.max(Meeting.starts_at)).where(
            Meeting.match_id == match.id, Meeting.status.in_(PLANNED)
        )
    )
    start = match.starts_on or ctx.today
    return max(start, local_date(latest, ctx.tz)) if latest is not None else start


async def _act_no_meeting(ctx: Ctx, fu: FollowUp) -> Result:
    match = await _running_match(ctx, fu)
    if match is None or (match.ends_on is not None and ctx.today >= match.ends_on):
        return dropped("match not active")
    since = await _last_activity(ctx, match)
    if (ctx.today - since).days < RULES.no_meeting_days:
        await _plan_no_meeting_check(ctx.session, match, since, ctx.tz)
        return dropped("met since")
    for person_id in (match.youth_id, match.mentor_id):
        partner = await partner_name(ctx.session, match, person_id)
        days = (ctx.today - since).days
        await _nudge(
            ctx, fu, person_id, "followup_no_meeting", {"partner_name": partner, "days": days}
        )
    await schedule(
        ctx.session,
        f"at_risk:{match.id}:{since.isoformat()}",
        "at_risk",
        on_day(since + timedelta(days=RULES.at_risk_days), ctx.tz),
        programme_id=match.programme_id,
        match_id=match.id,
        payload={"since": since.isoformat()},
    )
    return DONE


async def _act_at_risk(ctx: Ctx, fu: FollowUp) -> Result:
    match = await _running_match(ctx, fu)
    if match is None:
        return dropped("match not active")
    since = await _last_activity(ctx, match)
    if (ctx.today - since).days < RULES.at_risk_days:
        return dropped("met since")
    match.at_risk_reason = AT_RISK_NO_MEETING
    return DONE


async def _act_hours(ctx: Ctx, fu: FollowUp) -> Result:
    match = await _running_match(ctx, fu)
    if match is None or match.ends_on is None:
        return dropped("match not active")
    month = date.fromisoformat(fu.payload["month"])
    next_check = RULES.next_hours_check(month)
    if next_check < match.ends_on:
        await _plan_hours_check(ctx.session, match, next_check, ctx.tz)
    if month_start(ctx.today) != month:
        return dropped("the month is over")
    minutes = await ctx.session.scalar(
        select(func.coalesce(func.sum(HoursReport.minutes), 0)).where(
            HoursReport.match_id == match.id, HoursReport.month == month
        )
    )
    programme = await ctx.session.get(Programme, match.programme_id)
    commitment = for_programme(programme).monthly_hours
    if int(minutes or 0) >= commitment * 60:
        return dropped("hours met")
    context = {"hours": int(minutes or 0) / 60, "commitment": commitment}
    for person_id in (match.youth_id, match.mentor_id):
        await _nudge(ctx, fu, person_id, "followup_hours", context)
    return DONE


async def _act_outcome_coordinator(ctx: Ctx, fu: FollowUp) -> Result:
    if await _has_outcome(ctx, fu):
        return dropped("answered")
    _flag(ctx, fu, inbox.Kind.OUTCOME_MISSING, fu.person_id)
    return DONE


Handler = Callable[[Ctx, FollowUp], Awaitable[Result]]
HANDLERS: dict[str, Handler] = {
    "match_offer": _act_question,
    "accept_reminder": _act_question,
    "accept_flag": _act_accept_flag,
    "meeting_reminder": _act_meeting_reminder,
    "meeting_held": _act_question,
    "no_meeting": _act_no_meeting,
    "at_risk": _act_at_risk,
    "hours": _act_hours,
    "checkin": _act_question,
    "closure": _act_question,
    "outcome_survey": _act_question,
    "outcome_coordinator": _act_outcome_coordinator,
    "ladder": _act_ladder,
    "sms_resend": _act_sms_resend,
}


async def act(ctx: Ctx, fu: FollowUp) -> Result:
    """Do what a due row asks, if it still makes sense now."""
    handler = HANDLERS.get(fu.kind)
    if handler is None:
        return dropped(f"unknown kind {fu.kind}")
    return await handler(ctx, fu)


async def due_within(
    session: AsyncSession, now: datetime, until: datetime, limit: int = 500
) -> list[FollowUp]:
    """Pending follow-ups due before `until` (overdue ones first), for listings."""
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.state == FollowUpState.PENDING, FollowUp.due_at <= until)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    return list(rows)
