"""The mentor's answer to a proposed match (flow `accept_match`, data {"match_id"}).

Yes: the match starts; the youth hears the mentor's first name, company and role, and both get
a suggested first step. No: the mentor is asked for a reason (free text, may be skipped) and the
youth keeps their place in the queue.
"""

from __future__ import annotations

from bot import parsing
from bot.turn import Turn, opt, yes_no_options
from mentoring import inbox
from mentoring.matches import accept_match, decline_match, get_match, introduction


async def handle_accept(turn: Turn) -> None:
    match_id = int(turn.data["match_id"])
    if turn.state.step == "reason":
        reason = (
            None if (turn.incoming.option == "skip" or parsing.is_skip(turn.text)) else turn.text
        )
        match = await decline_match(
            turn.session, match_id, (reason or "")[:200] or None, now=turn.now, tz=turn.tz
        )
        await inbox.put(
            turn.session, turn.person, inbox.Kind.MATCH_DECLINED, now=turn.now, body=reason,
            match=match,
        )  # fmt: skip
        turn.goto(None, None, {})
        turn.say("match_declined_thanks")
        return
    answer = turn.answer_yes_no()
    if answer is None:
        turn.miss("match_offer_again", yes_no_options())
        return
    if not answer:
        await get_match(turn.session, match_id)
        turn.ask("reason", "match_decline_reason", (opt("skip", "label_skip"),))
        return
    match = await accept_match(turn.session, match_id, now=turn.now, today=turn.today, tz=turn.tz)
    intro = await introduction(turn.session, match)
    turn.goto(None, None, {})
    turn.say("match_accepted_mentor", youth_name=intro.youth_name)
    turn.tell(
        match.youth_id,
        "match_accepted_youth",
        mentor_name=turn.person.first_name,
        company=intro.company,
        role_title=intro.role_title,
    )
