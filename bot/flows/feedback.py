"""Answers to the follow-ups' questions: check-in (1-5, comment), closure (1-5, comment, extend?),
the outcome survey (an outcome code) and whether a youth still waiting may get it later (yes/no).
Option keys: "1".."5" for scores, "yes"/"no", "skip", and the outcome lookup codes themselves;
typed numbers and words work the same way."""

from __future__ import annotations

from bot import parsing
from bot.events import Option
from bot.turn import Turn, opt, yes_no_options
from bot.understanding import answers
from mentoring import inbox, later_contact
from mentoring.checkin_answers import CheckinAnswer, answer_row
from mentoring.lookups import lookup
from mentoring.matches import get_match
from mentoring.outcomes import register_outcome
from mentoring.rules import RULES


def _scores() -> tuple[Option, ...]:
    return tuple(opt(str(n), "label_number", number=n) for n in range(1, 6))


def _score(turn: Turn) -> int | None:
    option = turn.incoming.option
    if option in {"1", "2", "3", "4", "5"}:
        return int(option)
    return answers.score(turn.text)  # "4/5", "godt", "😊" (templates/locales/*/words.yaml)


def _comment(turn: Turn, before: str | None) -> str | None:
    """The comment after the score: added to what the score's own sentence said (kept), or
    that alone when they skip."""
    if turn.incoming.option == "skip" or parsing.is_skip(turn.text):
        return before
    said = turn.text[:2000]
    if not said:
        return before
    return f"{before}\n{said}"[:2000] if before else said


async def _answer(turn: Turn, kind: str) -> CheckinAnswer:
    """The person's answer row for this question, created at the score."""
    answer_id = turn.data.get("answer_id")
    known = int(answer_id) if answer_id is not None else None
    row = await answer_row(
        turn.session,
        known,
        match_id=int(turn.data["match_id"]),
        person_id=turn.person.id,
        kind=kind,
        now=turn.now,
    )
    if row.id != known:
        turn.set(answer_id=row.id)
    return row


async def _score_step(turn: Turn, kind: str) -> bool:
    score = _score(turn)
    sentence = turn.incoming.option is None and answers.said_more_than_a_score(turn.text)
    if score is None or (sentence and turn.asks_back()):  # "er 4 godt nok?" is no answer
        turn.miss("score_again", _scores())
        return False
    await get_match(turn.session, int(turn.data["match_id"]))
    row = await _answer(turn, kind)
    row.score = score
    if sentence:  # "det går fint men han svarer aldrig": the words are the comment's start
        row.comment = turn.text[:2000]
    if score <= RULES.worrying_score:
        match = await get_match(turn.session, row.match_id)
        await inbox.put(turn.session, turn.person, inbox.Kind.LOW_SCORE, now=turn.now, match=match)
    turn.ask("comment", "comment_ask", (opt("skip", "label_skip"),), score=score)
    return True


async def handle_checkin(turn: Turn) -> None:
    """Flow `checkin` {"match_id"}: how is it going 1-5, then an optional comment."""
    if turn.state.step == "comment":
        row = await _answer(turn, "checkin")
        row.comment = _comment(turn, row.comment)
        turn.goto(None, None, {})
        turn.say("feedback_thanks")
        return
    await _score_step(turn, "checkin")


async def handle_closure(turn: Turn) -> None:
    """Flow `closure` {"match_id"}: feedback 1-5, a comment, and whether to extend."""
    step = turn.state.step
    if step == "comment":
        row = await _answer(turn, "closure")
        row.comment = _comment(turn, row.comment)
        turn.ask("extend", "closure_extend", yes_no_options())
        return
    if step == "extend":
        answer = turn.answer_yes_no()
        if answer is None:
            turn.miss("closure_extend", yes_no_options())
            return
        row = await _answer(turn, "closure")
        row.wants_extension = answer
        if answer:
            match = await get_match(turn.session, row.match_id)
            await inbox.put(
                turn.session, turn.person, inbox.Kind.EXTENSION, now=turn.now, match=match
            )
        turn.goto(None, None, {})
        turn.say("closure_thanks", extend=answer)
        return
    await _score_step(turn, "closure")


async def outcome_options(turn: Turn) -> tuple[Option, ...]:
    codes = await lookup(turn.session, "outcome")
    return tuple(opt(code, "lookup_label", kind="outcome", code=code) for code in codes)


async def handle_outcome(turn: Turn) -> None:
    """Flow `outcome_survey` {"youth_id"}: where the youth stands now (an outcome code)."""
    options = await outcome_options(turn)
    labels = [
        turn.runtime.renderer.message(
            "lookup_label", turn.person.language, kind="outcome", code=o.key
        )
        for o in options
    ]
    chosen = turn.pick(options, labels)
    if chosen is None:
        turn.miss("outcome_again", options)
        return
    youth_id = int(turn.data.get("youth_id", turn.person.id))
    await register_outcome(turn.session, youth_id, chosen, turn.today, source="survey")
    turn.goto(None, None, {})
    turn.say("outcome_thanks", code=chosen)


async def handle_contact_later(turn: Turn) -> None:
    """Flow `contact_later` {}: may we write in a few months (a youth still without a pair)."""
    answer = turn.answer_yes_no()
    if answer is None:
        turn.miss("contact_later_again", yes_no_options())
        return
    turn.goto(None, None, {})
    if answer:
        day = await later_contact.agree(
            turn.session, turn.person, turn.incoming.channel, now=turn.now, tz=turn.tz
        )
        turn.say("contact_later_yes", day=day)
    else:
        turn.say("contact_later_no")
