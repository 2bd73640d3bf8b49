"""STATUS ("hvornår ses vi", "hvor mange timer"): the pair's next meeting, this month's hours
against the goal, the days left and what to do next, in one short message (one SMS segment)."""

from __future__ import annotations

from bot.turn import Turn
from mentoring.pair_status import status_of
from mentoring.pairs import active_match, partner_name


async def show(turn: Turn) -> None:
    match = await active_match(turn.session, turn.person.id)
    if match is None:
        turn.say("no_active_match")
        return
    found = await status_of(turn.session, match, turn.person.id, today=turn.today, now=turn.now)
    turn.say(
        "status",
        meeting_at=found.next_meeting.starts_at if found.next_meeting else None,
        confirmed=found.confirmed,
        total=found.hours.hours,
        goal=found.hours.commitment_minutes / 60,
        days_left=found.days_left,
        next_step=found.next_step,
        partner_name=await partner_name(turn.session, match, turn.person.id),
    )
