"""Flow `confirm_consent` {}: a youth the coordinator signed up by hand answers the SMS that asks
them to confirm (mentoring/added_by_hand.py): JA records the consent, NEJ tells the coordinator."""

from __future__ import annotations

from bot.flows.signup_youth import CONSENT_VERSION
from bot.turn import Turn, yes_no_options
from mentoring.added_by_hand import answer


async def handle(turn: Turn) -> None:
    said = turn.answer_yes_no()
    if said is None:
        turn.miss("added_by_hand_again", yes_no_options())
        return
    turn.goto(None, None, {})
    await answer(
        turn.session,
        turn.person.id,
        said,
        channel=turn.incoming.channel,
        version=CONSENT_VERSION,
        now=turn.now,
    )
    turn.say("added_by_hand_yes" if said else "added_by_hand_no")
