"""After a meeting: was it held (yes/no, or "ja vi mødtes 2 timer" at once), and the hours
against the month's commitment, tied to the meeting they belong to so both sides' reports count
once; then what they talked about (bot/flows/topics.py)."""

from __future__ import annotations

from typing import Any

from bot import parsing
from bot.events import Option
from bot.flows import topics
from bot.flows.meetings import active_match_of
from bot.turn import Turn, opt, yes_no_options
from bot.understanding import answers
from core.statuses import MeetingStatus
from mentoring import meeting_answers
from mentoring.hours import month_total, previous_report, recent_meeting, report_hours
from mentoring.meetings import Meeting, get_meeting, mark_held
from mentoring.pairs import match_by_id, partner_name


async def _answered(
    turn: Turn, meeting: Meeting, *, held: bool, minutes: int | None = None
) -> str | None:
    """Keep this side's answer; the partner's first name when it newly differs from theirs
    (the coordinator has been told), else None."""
    differs = await meeting_answers.record(
        turn.session,
        turn.runtime.renderer,
        meeting,
        turn.person.id,
        held=held,
        minutes=minutes,
        now=turn.now,
        language=turn.runtime.settings.default_language,
    )
    if not differs:
        return None
    match = await match_by_id(turn.session, meeting.match_id)
    return await partner_name(turn.session, match, turn.person.id) if match else ""


def _hour_options() -> tuple[Option, ...]:
    return tuple(opt(f"h:{m}", "label_hours", minutes=m) for m in (60, 90, 120, 180))


def _minutes(turn: Turn) -> int | None:
    option = turn.incoming.option or ""
    if option.startswith("h:") and option[2:].isdigit():
        return int(option[2:])
    return parsing.hours_minutes(turn.text)


async def handle_held(turn: Turn) -> None:
    """Flow `meeting_held` {"meeting_id"}: was it held (yes/no), then how many hours."""
    meeting_id = int(turn.data["meeting_id"])
    if turn.state.step == "hours":
        await _report(turn, int(turn.data["match_id"]), meeting_id)
        return
    answer = turn.answer_yes_no()
    # "ja vi mødtes 2 timer": the yes and the hours in one text (found trying it as a mentor).
    minutes = None
    if answer is not False:
        minutes = parsing.hours_minutes(turn.text) or parsing.hours_in(turn.text)
    if answer is None and minutes is None:
        turn.miss("meeting_held_again", yes_no_options())
        return
    held = answer is not False
    meeting = await get_meeting(turn.session, meeting_id)
    if meeting.status != MeetingStatus.HELD:  # a "no" does not undo the other side's "yes"
        meeting = await mark_held(turn.session, meeting_id, held, now=turn.now, tz=turn.tz)
    if not held:
        turn.goto(None, None, {})
        turn.say("meeting_not_held")
        differs = await _answered(turn, meeting, held=False)
        if differs is not None:
            turn.say("meeting_answers_differ", partner=differs)
        return
    turn.set(match_id=meeting.match_id)
    if minutes is not None:
        await _report(turn, meeting.match_id, meeting_id, minutes=minutes)
        return
    turn.ask("hours", "hours_ask", _hour_options())


async def start_hours(turn: Turn, rest: str) -> None:
    match = await active_match_of(turn)
    if match is None:
        turn.say("no_active_match")
        return
    turn.goto("hours", "amount", {"match_id": match.id})
    if rest:
        await _hours_given(turn, match.id, parsing.hours_minutes(rest))
    else:
        turn.say("hours_ask", _hour_options())


async def handle_hours(turn: Turn) -> None:
    """Flow `hours`: how many (step `amount`), then which meeting they belong to (`which`)."""
    match_id = int(turn.data["match_id"])
    if turn.state.step != "which":
        await _hours_given(turn, match_id, _minutes(turn))
        return
    answer = turn.answer_yes_no()
    if answer is None:
        meeting = await get_meeting(turn.session, int(turn.data["meeting_id"]))
        turn.miss("hours_which_meeting", yes_no_options(), at=meeting.starts_at)
        return
    meeting_id = int(turn.data["meeting_id"]) if answer else None
    if meeting_id is not None:
        meeting = await get_meeting(turn.session, meeting_id)
        if meeting.status != MeetingStatus.HELD:
            await mark_held(turn.session, meeting_id, True, now=turn.now, tz=turn.tz)
    await _report(turn, match_id, meeting_id, minutes=int(turn.data["minutes"]))


async def _hours_given(turn: Turn, match_id: int, minutes: int | None) -> None:
    """Hours said without a meeting: tie them to the pair's latest meeting if the person says
    it was that one ("var det mødet tirsdag?"), so both sides' reports count once."""
    if minutes is None:
        await _hours_again(turn, match_id)
        return
    meeting = await recent_meeting(turn.session, match_id, turn.now)
    if meeting is None:
        await _report(turn, match_id, None, minutes=minutes)
        return
    turn.set(minutes=minutes, meeting_id=meeting.id)
    turn.ask("which", "hours_which_meeting", yes_no_options(), at=meeting.starts_at)


async def _hours_again(turn: Turn, match_id: int) -> None:
    """No hours in the answer. "hvor mange skal vi have?" is answered with the programme's
    monthly hours (no miss); anything else is asked again with an example."""
    if answers.asks_hours_goal(turn.text):
        month = await month_total(turn.session, match_id, turn.today)
        turn.say("hours_goal", _hour_options(), monthly_hours=month.commitment_minutes / 60)
        return
    turn.miss("hours_again", _hour_options())


async def _report(
    turn: Turn, match_id: int, meeting_id: int | None, *, minutes: int | None = None
) -> None:
    minutes = _minutes(turn) if minutes is None else minutes
    if minutes is None:
        await _hours_again(turn, match_id)
        return
    before = await previous_report(turn.session, meeting_id) if meeting_id else None
    previous = before.minutes if before is not None else None
    by_other = before is not None and before.reported_by != turn.person.id
    total = await report_hours(
        turn.session,
        match_id,
        minutes,
        reported_by=turn.person.id,
        today=turn.today,
        now=turn.now,
        meeting_id=meeting_id,
    )
    turn.goto(None, None, {})
    differs = None
    if meeting_id is not None:
        meeting = await get_meeting(turn.session, meeting_id)
        differs = await _answered(turn, meeting, held=True, minutes=minutes)
    figures: dict[str, Any] = {
        "minutes": minutes,
        "reported": minutes / 60,
        "total": total.hours,
        "commitment": total.commitment_minutes / 60,
        "missing": total.missing_minutes / 60,
        "met": total.met,
    }
    if previous is None:
        turn.say("hours_total", **figures)
    else:
        meeting = await get_meeting(turn.session, int(meeting_id or 0))
        match = await match_by_id(turn.session, match_id)
        partner = await partner_name(turn.session, match, turn.person.id) if match else ""
        turn.say(
            "hours_same_meeting",
            at=meeting.starts_at,
            previous=previous / 60,
            partner=partner if by_other else None,
            **figures,
        )
    if differs is not None:
        turn.say("meeting_answers_differ", partner=differs)
    if meeting_id is not None:
        topics.ask_tag(turn, match_id, meeting_id)  # what did you talk about? (one tap)
