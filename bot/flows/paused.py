"""What a paused person can still do (README, "People"): stop, start, help, see their data,
change language, erase, withdraw consent, and always write to the coordinator.

A youth paused by a parent or guardian's objection cannot resume with START (only the
coordinator or the guardian can lift it: mentoring/pair_hold.py), so whatever else they write is
answered with the way to the coordinator: what they wrote is offered to be sent ("Skal jeg sende
det til koordinatoren?"), and on Telegram a button starts a message. No text leads back to "write
START": there is no loop between START, SKRIV and the pause.
"""

from __future__ import annotations

from bot.events import Option
from bot.flows import privacy
from bot.turn import Turn, opt, yes_no_options
from bot.understanding.reading import read
from mentoring import inbox
from mentoring.inbox_queue import answer_day
from mentoring.people import youth_by_id

ALLOWED = ("start", "help", "mydata", "language", "erase", "withdraw", "write")
OFFER_FLOW = "coordinator_offer"
BUTTON_CHANNELS = ("telegram", "web")  # elsewhere the text says "write SKRIV and your message"


async def answer(turn: Turn, command: str | None) -> bool:
    """Answer a paused person's text here; False when the usual routing should run (a command
    a paused person may use, a flow they may be in, "skriv til koordinatoren at ...")."""
    if command in ALLOWED or turn.state.flow in (privacy.FLOW, "language", "coordinator"):
        return False
    if turn.state.flow == OFFER_FLOW:
        return False
    reading = read(turn.text)
    if command is None and reading.intent == "write" and reading.slots.get("body"):
        return False
    youth = await youth_by_id(turn.session, turn.person.id)
    if youth is None or youth.guardian_objected_at is None:
        turn.say("paused_reminder", write_button(turn))
        return True
    greeting = len(turn.text.split()) <= 2 and reading.intent in ("greeting", "help")
    if not turn.text or turn.incoming.option or greeting:
        turn.say("privacy_guardian_paused", write_button(turn))
        return True
    turn.goto(OFFER_FLOW, "ask", {"body": turn.text})
    turn.say("privacy_guardian_paused", yes_no_options(), offer=True)
    return True


def write_button(turn: Turn) -> tuple[Option, ...]:
    if turn.incoming.channel not in BUTTON_CHANNELS:
        return ()
    return (opt("write", "label_write"),)


async def handle_offer(turn: Turn) -> None:
    """Flow `coordinator_offer` {"body"}: send what they wrote to the coordinator, yes or no."""
    said = turn.answer_yes_no()
    if said is None:
        turn.miss("privacy_guardian_paused", yes_no_options(), offer=True)
        return
    body = str(turn.data.get("body") or "")
    turn.goto(None, None, {})
    if not said:
        turn.say("write_not_sent")
        return
    await inbox.put(turn.session, turn.person, inbox.Kind.MESSAGE, now=turn.now, body=body)
    day = answer_day(turn.now, turn.tz)  # as service.write_now says it
    turn.say("write_sent", answer_day=day, answer_today=day == turn.today)
