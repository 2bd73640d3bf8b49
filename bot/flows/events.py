"""An invited mentor's answer to an event invitation (flow `event_rsvp`, data {"guest_id"}):
yes or no, read from the words catalogues like every other yes/no."""

from __future__ import annotations

from bot.turn import Turn, yes_no_options
from mentoring.event_invitations import rsvp_by_chat


async def handle_rsvp(turn: Turn) -> None:
    coming = turn.answer_yes_no()
    if coming is None:
        turn.miss("event_invitation_again", yes_no_options())
        return
    guest_id = int(turn.data["guest_id"])
    turn.goto(None, None, {})
    event = await rsvp_by_chat(turn.session, guest_id, turn.person.id, coming, turn.now)
    turn.say("event_rsvp_thanks", coming=coming, event_title=event.title, starts_at=event.starts_at)
