"""Acting on a due follow-up: does it still make sense now, and if so, say or ask it.

The sweep (mentoring/sweep.py) claims due rows and calls `act`; late rows after downtime are
sent if still meaningful, otherwise dropped with a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.clock import local_date, month_start
from core.statuses import PLANNED, UNDELIVERED, UPCOMING, MatchStatus, MeetingStatus, OutboxStatus
from mentoring import inbox, outbound
from mentoring.followups import topic_suggestions
from mentoring.followups.context import DONE, Ctx, Result, dropped
from mentoring.followups.events import act_reminder as _act_event_reminder
from mentoring.followups.planning import AT_RISK_NO_MEETING, plan_hours_check, plan_no_meeting_check
from mentoring.followups.questions import (
    Question,
    has_outcome,
    person_of,
    question_for,
    running_match,
)
from mentoring.followups.rows import on_day, schedule
from mentoring.pairs import partner_name
from mentoring.prompts import ask
from mentoring.quiet_hours import next_allowed
from mentoring.rules import RULES, for_programme
from storage.models import (
    ConversationState,
    FollowUp,
    HoursReport,
    Match,
    Meeting,
    OutboxMessage,
    Programme,
)

log = logging.getLogger(__name__)


LADDER_QUESTIONS = ("meeting_held", "checkin", "closure")


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
    person = await person_of(ctx.session, question.person_id)
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
        now=ctx.now,
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


async def _act_question(ctx: Ctx, fu: FollowUp) -> Result:
    question = await question_for(ctx, fu)
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
    if fu.kind == "outcome_survey" and fu.match_id is not None:
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
    question = await question_for(ctx, base) if base is not None else None
    if base is None or question is None:
        return dropped("answered or no longer applies")
    if base.kind == "meeting_held" and await _answered_by_either(ctx, base):
        return dropped("the other side answered")  # asked once; no reminders, no flag
    if fu.payload.get("rung") == "flag":
        _flag(ctx, fu, inbox.Kind.SILENT_PARTNER, fu.person_id)
        return DONE
    if not await _ask(ctx, fu, question, reminder=True):
        return dropped("unreachable")
    return DONE


async def _answered_by_either(ctx: Ctx, base: FollowUp) -> bool:
    meeting = await ctx.session.get(Meeting, base.meeting_id)
    return meeting is not None and meeting.status not in UPCOMING


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
    question = await question_for(ctx, base)
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
    match = await running_match(ctx, fu)
    if match is None or (match.ends_on is not None and ctx.today >= match.ends_on):
        return dropped("match not active")
    since = await _last_activity(ctx, match)
    if (ctx.today - since).days < RULES.no_meeting_days:
        await plan_no_meeting_check(ctx.session, match, since, ctx.tz)
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
    match = await running_match(ctx, fu)
    if match is None:
        return dropped("match not active")
    since = await _last_activity(ctx, match)
    if (ctx.today - since).days < RULES.at_risk_days:
        return dropped("met since")
    match.at_risk_reason = AT_RISK_NO_MEETING
    return DONE


async def _act_hours(ctx: Ctx, fu: FollowUp) -> Result:
    match = await running_match(ctx, fu)
    if match is None or match.ends_on is None:
        return dropped("match not active")
    month = date.fromisoformat(fu.payload["month"])
    next_check = RULES.next_hours_check(month)
    if next_check < match.ends_on:
        await plan_hours_check(ctx.session, match, next_check, ctx.tz)
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
    if await has_outcome(ctx, fu):
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
    "contact_later": _act_question,
    "outcome_coordinator": _act_outcome_coordinator,
    "ladder": _act_ladder,
    "sms_resend": _act_sms_resend,
    "event_reminder": _act_event_reminder,
    "topic_suggestion": topic_suggestions.act,
}


async def act(ctx: Ctx, fu: FollowUp) -> Result:
    """Do what a due row asks, if it still makes sense now."""
    handler = HANDLERS.get(fu.kind)
    if handler is None:
        return dropped(f"unknown kind {fu.kind}")
    return await handler(ctx, fu)
