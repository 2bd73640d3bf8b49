"""NEJ at a sign-up's summary (youth and mentor alike): ask which answer is wrong and ask only
that one again, then go back to the summary, rather than restarting the sign-up from the name.

The flow marks the conversation state `fixing` while the one answer is asked again; its own
"what comes next" step consults `fixing` to return to the summary."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.events import Option
from bot.turn import Turn, opt
from bot.understanding import answers

STEP = "change"


def options(fields: Sequence[str]) -> tuple[Option, ...]:
    return tuple(opt(f"fix:{f}", "label_field", field=f) for f in fields)


def ask(turn: Turn, fields: Sequence[str]) -> None:
    """The summary was answered NEJ: which answer should change?"""
    turn.ask(STEP, "signup_change", options(fields))


async def answer(
    turn: Turn, fields: Sequence[str], ask_step: Callable[[Turn, str], Awaitable[None]]
) -> None:
    """The person named the answer to change (tapped, its number, its label or a word such as
    'alderen'): ask that step again with the conversation marked `fixing`."""
    choices = options(fields)
    labels = [
        turn.runtime.renderer.message("label_field", turn.person.language, field=f) for f in fields
    ]
    chosen = turn.pick(choices, labels)
    step = chosen[4:] if chosen else answers.field(turn.text, list(fields))
    if step is None:
        turn.miss("signup_change", choices)
        return
    turn.set(fixing=True)
    await ask_step(turn, step)


def fixing(turn: Turn) -> bool:
    """One answer is being changed: the next step is the summary again."""
    return bool(turn.data.get("fixing"))
