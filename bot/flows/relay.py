"""BESKED <text>: a short message to the other side of the pair, passed on by us with the
sender's first name and no number or chat id (mentoring/relay.py). BESKED alone, the Telegram
menu's /besked or the Svar button under a relayed message asks for the text. A text the
engine cannot place during a running pair is offered for passing on ("Skal jeg sende det til
Jens?") instead of "forstod jeg ikke". A mentor with several mentees starts the text with the
mentee's name ("besked sara: ..."), or answers with the button, which names the pair."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.turn import Turn, yes_no_options
from mentoring.pairs import Match
from mentoring.relay import MAX_LENGTH, forward, running_pairs

FLOW = "relay"


async def _pick(turn: Turn, text: str) -> tuple[Match, str, str] | None:
    """(pair, the other side's name, the text without a leading name) for this message."""
    pairs = await running_pairs(turn.session, turn.person.id)
    option = turn.incoming.option or ""
    wanted = int(option[6:]) if re.fullmatch(r"relay:\d+", option) else turn.data.get("match_id")
    for match, name in pairs:
        if wanted is not None and match.id == int(wanted):
            return match, name, text
    for match, name in pairs:
        lead = re.match(rf"\s*(?:til\s+|to\s+)?{re.escape(name)}\b[\s:,.-]*", text, re.I)
        if name and lead:
            return match, name, text[lead.end() :]
    if pairs:
        return pairs[0][0], pairs[0][1], text
    return None


async def start(turn: Turn, rest: str) -> bool:
    """BESKED [text]; False when the person has no running pair (the caller decides)."""
    picked = await _pick(turn, rest)
    if picked is None:
        return False
    match, name, body = picked
    if body.strip():
        await _send(turn, match, name, body.strip())
        return True
    turn.goto(FLOW, "text", {"match_id": match.id})
    turn.say("relay_ask", partner_name=name)
    return True


async def offer(turn: Turn) -> bool:
    """A text nothing else placed, during a running pair: offer to pass it on."""
    words = re.findall(r"[^\W\d_]+", turn.text)
    if len(words) < 2 or turn.incoming.option is not None:
        return False
    picked = await _pick(turn, turn.text)
    if picked is None:
        return False
    match, name, body = picked
    turn.goto(FLOW, "confirm", {"match_id": match.id, "body": body[: MAX_LENGTH * 2]})
    turn.say("relay_offer", yes_no_options(), partner_name=name)
    return True


async def handle(turn: Turn, afresh: Callable[[Turn], Awaitable[None]]) -> None:
    """Flow `relay`: the text to pass on (`text`), or yes/no to passing on a text (`confirm`);
    something else than yes or no is read `afresh` (the engine passes service.idle)."""
    picked = await _pick(turn, turn.text)
    if picked is None:
        turn.goto(None, None, {})
        turn.say("no_active_match")
        return
    match, name, body = picked
    if turn.state.step == "text":
        if not body.strip():
            turn.miss("relay_ask", partner_name=name)
            return
        await _send(turn, match, name, body.strip())
        return
    answer = turn.answer_yes_no()
    if answer is None:  # something new instead of yes or no: read it afresh
        turn.goto(None, None, {})
        await afresh(turn)
        return
    saved = str(turn.data.get("body") or "")
    turn.goto(None, None, {})
    if answer:
        await _send(turn, match, name, saved)
    else:
        turn.say("relay_not_sent")


async def _send(turn: Turn, match: Match, name: str, body: str) -> None:
    if len(body) > MAX_LENGTH:
        turn.goto(FLOW, "text", {"match_id": match.id})
        turn.say("relay_too_long", partner_name=name, max=MAX_LENGTH, length=len(body))
        return
    turn.goto(None, None, {})
    sent = await forward(
        turn.session, turn.runtime.renderer, match, turn.person, body, now=turn.now
    )
    turn.say("relay_sent" if sent else "relay_unreachable", partner_name=name)
