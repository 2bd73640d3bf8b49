"""What the youth wants help with (the proposal's topics), asked at sign-up, and what a pair
talked about, tagged after a meeting (mentoring/topics.py holds the rules and counts).

On SMS and e-mail the topics are numbered ("1 3"); on Telegram each is a button, and a tap adds
it and offers the rest with Done, so several can be chosen one tap at a time. Words work
everywhere ("cv og praktik"), and what fits no topic is kept as "other" in the youth's words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot import parsing
from bot.events import Option
from bot.turn import Turn, opt
from bot.understanding import answers
from bot.understanding.reading import read as understood
from mentoring import topics as rules

DONE = "t:done"
TAG_FLOW = "topics_tag"

Next = Callable[[Turn], Awaitable[None]]


def options(chosen: Sequence[str] = (), *, done: bool = False) -> tuple[Option, ...]:
    """A button per topic not yet chosen ("other" last), and Done once one is chosen."""
    left = tuple(
        opt(f"t:{code}", "topic_label", code=code) for code in rules.CHOICES if code not in chosen
    )
    return (*left, opt(DONE, "label_done")) if done else left


def ask(turn: Turn, step: str = "topics") -> None:
    """Ask afresh: an answer changed at the summary replaces the earlier one."""
    turn.set(topics=[], topics_text=None)
    turn.ask(step, "signup_topics", options())


def _labels(turn: Turn) -> list[str]:
    renderer, language = turn.runtime.renderer, turn.person.language
    return [
        parsing.normalise(renderer.message("topic_label", language, code=code))
        for code in rules.CHOICES
    ]


def _done(turn: Turn) -> bool:
    """'færdig', 'done' (the Done button's words, in any language) or 'det var det'."""
    said = parsing.normalise(turn.text)
    labels = {
        parsing.normalise(turn.runtime.renderer.message("label_done", language))
        for language in ("da", "en")
    }
    return said in labels or said in ("det var det", "det er det", "that's it", "thats it")


def read(turn: Turn) -> tuple[list[str], str | None]:
    """The topics and own words in this answer: a tapped button, a label typed out, numbers or
    words."""
    option = turn.incoming.option or ""
    if option.startswith("t:") and option[2:] in rules.CHOICES:
        return [option[2:]], None
    whole = parsing.normalise(turn.text)
    labels = _labels(turn)
    if whole in labels:
        return [rules.CHOICES[labels.index(whole)]], None
    return answers.topics(turn.text, list(rules.CHOICES))


async def answer(turn: Turn, then: Next) -> None:
    """Sign-up step `topics` (and `topics_other`): store the choice in the state, then `then`."""
    data = turn.data
    chosen = list(data.get("topics") or [])
    if turn.state.step == "topics_other":
        if not turn.text or turn.incoming.option:
            turn.miss("signup_topics_other")
            return
        turn.set(topics=rules.known([*chosen, rules.OTHER]), topics_text=turn.text[:200])
        await then(turn)
        return
    if turn.incoming.option == DONE or (chosen and _done(turn)):
        await then(turn)
        return
    if parsing.is_skip(turn.text) and not chosen:
        turn.set(topics=[], topics_text=None)  # "ved ikke": the mentor and coordinator ask later
        await then(turn)
        return
    said, own = read(turn)
    if not said and turn.asks_back():
        own = None  # "hva mener du?" is a question back, not their own words
    if not said and not own:
        turn.miss("signup_topics", options(chosen, done=bool(chosen)))
        return
    tapped = bool(turn.incoming.option)
    chosen = rules.known([*chosen, *said, *([rules.OTHER] if own else [])])
    turn.set(topics=chosen, topics_text=own[:200] if own else data.get("topics_text"))
    if rules.OTHER in chosen and not turn.data.get("topics_text"):
        turn.ask("topics_other", "signup_topics_other")
        return
    if tapped:  # Telegram: one tap at a time, then Done
        turn.say(
            "signup_topics_more",
            options(chosen, done=True),
            topics=chosen,
            topics_text=turn.data.get("topics_text"),
        )
        return
    await then(turn)


def tag_options() -> tuple[Option, ...]:
    return (*options(), opt("skip", "label_skip"))


def ask_tag(turn: Turn, match_id: int, meeting_id: int) -> None:
    """After a meeting's hours: what did you talk about? One tap (Telegram) or numbers (SMS)."""
    turn.goto(TAG_FLOW, "ask", {"match_id": match_id, "meeting_id": meeting_id})
    turn.say("topics_tag_ask", tag_options())


async def handle_tag(turn: Turn, afresh: Next) -> None:
    """Flow `topics_tag`: the topics talked about at the meeting; a skip ends it, and a text that
    names no topic is read `afresh` (the engine passes service.idle), so nobody is stuck here."""
    data = dict(turn.data)
    if turn.incoming.option == "skip" or parsing.is_skip(turn.text):
        turn.goto(None, None, {})
        turn.say("topics_tag_skipped")
        return
    said, _ = read(turn)
    if not said or understood(turn.text, turn.now, turn.tz).intents:
        # "kan vi mødes tirsdag kl 15?" is a meeting, not topics 1 and 5: read it afresh
        turn.goto(None, None, {})
        await afresh(turn)
        return
    await rules.tag(
        turn.session,
        int(data["match_id"]),
        said,
        by=turn.person.id,
        now=turn.now,
        meeting_id=int(data["meeting_id"]),
    )
    turn.goto(None, None, {})
    turn.say("topics_tagged", topics=said, topics_text=None)
