"""Planning follow-ups: the hooks the services call in the same transaction as their change.

Each hook creates, moves or drops the pair's rows (mentoring/followups/rows.py) by the
programme's rules (mentoring/rules.py), in the programme's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import add_months, local_date, month_start
from core.statuses import UPCOMING, MatchStatus, MeetingStatus
from mentoring.followups import topic_suggestions
from mentoring.followups.rows import drop_pending, on_day, release, schedule
from mentoring.quiet_hours import next_allowed
from mentoring.rules import RULES, for_programme
from storage.models import FollowUp, Match, Meeting, Programme


async def on_match_created(
    session: AsyncSession, match: Match, now: datetime, *, tz: ZoneInfo
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
    session: AsyncSession, match: Match, now: datetime, *, tz: ZoneInfo
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
    await _plan_checkins(session, match, tz)
    await plan_no_meeting_check(session, match, match.starts_on, tz)
    hours_day = RULES.first_hours_check(match.starts_on)
    if hours_day < match.ends_on:
        await plan_hours_check(session, match, hours_day, tz)
    await _plan_end(session, match, match.ends_on, tz)
    await topic_suggestions.plan(session, match, match.starts_on + topic_suggestions.EVERY, tz)


async def _plan_checkins(session: AsyncSession, match: Match, tz: ZoneInfo) -> None:
    assert match.starts_on is not None
    for person_id in (match.youth_id, match.mentor_id):
        await schedule(
            session,
            f"checkin:{match.id}:{person_id}",
            "checkin",
            on_day(match.starts_on + timedelta(days=RULES.checkin_after_days), tz),
            programme_id=match.programme_id,
            match_id=match.id,
            person_id=person_id,
        )


async def on_pair_imported(
    session: AsyncSession, match: Match, now: datetime, *, tz: ZoneInfo
) -> None:
    """A pair brought in from a spreadsheet gets the follow-ups still ahead of it, as if it had
    been accepted here; what would already be overdue is not planned, so the first sweep does
    not send a month of old nudges at once."""
    assert match.starts_on is not None and match.ends_on is not None
    today = local_date(now, tz)
    if match.status != MatchStatus.ACTIVE:
        ended = local_date(match.ended_at, tz) if match.ended_at else match.ends_on
        if add_months(ended, RULES.outcome_after_months) >= today:
            await _plan_survey(session, match, ended, tz)
        return
    if match.starts_on + timedelta(days=RULES.checkin_after_days) > today:
        await _plan_checkins(session, match, tz)
    await plan_no_meeting_check(session, match, max(match.starts_on, today), tz)
    hours_day = RULES.first_hours_check(match.starts_on)
    while hours_day < today:
        hours_day = RULES.next_hours_check(hours_day)
    if hours_day < match.ends_on:
        await plan_hours_check(session, match, hours_day, tz)
    if match.ends_on >= today:
        await _plan_end(session, match, match.ends_on, tz)
        await topic_suggestions.plan(session, match, today + topic_suggestions.EVERY, tz)
    else:  # past its end date already: the daily closing rule takes it (pair_closing.py)
        await _plan_survey(session, match, match.ends_on, tz)


async def on_match_extended(session: AsyncSession, match: Match, *, tz: ZoneInfo) -> None:
    """A longer programme moves the closure and the outcome survey with the new end date."""
    if match.ends_on is not None:
        await _plan_end(session, match, match.ends_on, tz)


async def on_match_closed(
    session: AsyncSession, match: Match, now: datetime, *, tz: ZoneInfo
) -> None:
    """Everything pending (or held) for the pair stops; a pair that ran gets its outcome survey."""
    await release(session, match.id)  # a pair ended while on hold: its survey is planned below
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
    session: AsyncSession, meeting: Meeting, now: datetime, *, tz: ZoneInfo
) -> None:
    """Call after proposing, confirming, rescheduling, cancelling or marking a meeting."""
    match = await session.get(Match, meeting.match_id)
    if match is None:
        return
    if meeting.status not in UPCOMING:
        answered = meeting.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW)
        # One side's answer does not stop the other side's own "was it held?".
        keep = (FollowUp.kind != "meeting_held",) if answered else ()
        await drop_pending(session, now, FollowUp.meeting_id == meeting.id, *keep)
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
    # Both sides are asked whether it was held (mentoring/meeting_answers.py); a row planned
    # before both were asked (key without a person) gives way to the youth's own.
    await drop_pending(session, now, FollowUp.key == f"meeting_held:{meeting.id}")
    for person_id in (match.youth_id, match.mentor_id):
        await schedule(
            session,
            f"meeting_held:{meeting.id}:{person_id}",
            "meeting_held",
            next_allowed(meeting.starts_at + RULES.meeting_held_after, tz),
            person_id=person_id,
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
        await plan_no_meeting_check(session, match, local_date(meeting.starts_at, tz), tz)


async def plan_no_meeting_check(
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


async def plan_hours_check(session: AsyncSession, match: Match, day: date, tz: ZoneInfo) -> None:
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
    programme = await session.get(Programme, match.programme_id)
    rules = for_programme(programme) if programme else RULES
    due = rules.survey_due(ended_on)
    before = programme.outcome_window_before_days if programme else 14
    await schedule(
        session,
        f"outcome_survey:{match.id}",
        "outcome_survey",
        on_day(due, tz),
        programme_id=match.programme_id,
        match_id=match.id,
        person_id=match.youth_id,
        payload={
            "ended_on": ended_on.isoformat(),
            "window_from": (due - timedelta(days=before)).isoformat(),
        },
    )


async def on_youth_signed_up(
    session: AsyncSession, youth_id: int, programme_id: int, now: datetime
) -> None:
    """A youth still without a pair after some weeks is asked whether we may write later
    (the question drops itself once they are matched: mentoring/followups/questions.py)."""
    await schedule(
        session,
        f"contact_later:{youth_id}",
        "contact_later",
        now + timedelta(days=RULES.contact_later_ask_days),
        programme_id=programme_id,
        person_id=youth_id,
    )


async def plan_unmatched_survey(
    session: AsyncSession, youth_id: int, programme: Programme, signed_up_on: date, tz: ZoneInfo
) -> date:
    """The outcome survey for a youth who agreed to be contacted, at the offset from sign-up
    the committee's comparison measures (storage/attribution.py): pair months + survey months.
    Returns the day it goes out."""
    due = add_months(signed_up_on, programme.pair_months + programme.outcome_after_months)
    await schedule(
        session,
        f"outcome_survey:youth:{youth_id}",
        "outcome_survey",
        on_day(due, tz),
        programme_id=programme.id,
        person_id=youth_id,
        payload={
            "unmatched": True,
            "window_from": (due - timedelta(days=programme.outcome_window_before_days)).isoformat(),
        },
    )
    return due


AT_RISK_NO_MEETING = "no_meeting"
