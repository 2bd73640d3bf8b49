"""A person's rights from the chat: "slet mine data" (erase, after a yes) and withdrawing the
consent to share details with a mentor. "Mine data" itself is the service command `mydata`.

After erasure the person's contact points are gone, so the farewell is queued without a
person_id and with no personal data in it: the erased person's own rows are already emptied.
"""

from __future__ import annotations

from bot.turn import Turn, yes_no_options
from mentoring import outbound
from mentoring.consent_withdrawal import withdraw_share
from mentoring.privacy import erase_person

FLOW = "privacy_erase"


async def start_erase(turn: Turn) -> None:
    turn.goto(FLOW, "confirm", {})
    turn.say("privacy_erase_confirm", yes_no_options())


async def handle_erase(turn: Turn) -> None:
    answer = turn.answer_yes_no()
    if answer is None:
        turn.miss("privacy_erase_confirm", yes_no_options())
        return
    if not answer:
        turn.goto(None, None, {})
        turn.say("privacy_erase_kept")
        return
    person, incoming = turn.person, turn.incoming
    language = person.language
    await erase_person(turn.session, person.id, actor=f"person:{person.id}", now=turn.now)
    await outbound.say_at(  # to the address, no longer to a person
        turn.session,
        turn.runtime.renderer,
        channel=incoming.channel,
        address=incoming.address,
        template="privacy_erased",
        language=language,
    )


async def withdraw(turn: Turn) -> None:
    if await withdraw_share(turn.session, turn.person.id, now=turn.now, tz=turn.tz):
        turn.say("privacy_consent_withdrawn")
    else:
        turn.say("privacy_consent_none")
