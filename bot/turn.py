"""One inbound event being handled: the session, the person, their state and the replies so far.

Flows read the answer from the turn and call `say`/`ask` (to the sender) or `tell` (to another
person); the engine renders and queues them when the flow is done, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import parsing
from bot.events import Incoming, Option, Reply
from bot.understanding.reading import read
from bot.understanding.words import fold, words
from core.clock import local_date
from core.runtime import Runtime
from mentoring.conversations import ConversationState, Person

MAX_MISSES = 3


@dataclass
class Turn:
    session: AsyncSession
    runtime: Runtime
    incoming: Incoming
    person: Person
    state: ConversationState
    now: datetime
    replies: list[Reply] = field(default_factory=list)

    @property
    def text(self) -> str:
        return (self.incoming.text or "").strip()

    @property
    def tz(self) -> ZoneInfo:
        """The programme's time zone (settings.timezone)."""
        return self.runtime.settings.tz

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    def set(self, **values: Any) -> None:
        """Update the state's data (a new dict, so the JSON column is seen as changed)."""
        self.state.data = {**self.state.data, **values}

    def goto(self, flow: str | None, step: str | None, data: dict[str, Any] | None = None) -> None:
        self.state.flow, self.state.step = flow, step
        if data is not None:
            self.state.data = dict(data)
        self.state.misses = 0
        self.state.updated_at = self.now

    def say(self, template: str, options: tuple[Option, ...] = (), **context: Any) -> None:
        self.replies.append(Reply(template, context, options))

    def ask(
        self, step: str, template: str, options: tuple[Option, ...] = (), **context: Any
    ) -> None:
        """Move to `step` and ask its question."""
        self.state.step, self.state.misses = step, 0
        self.say(template, options, **context)

    def tell(
        self, person_id: int, template: str, options: tuple[Option, ...] = (), **context: Any
    ) -> None:
        self.replies.append(Reply(template, context, options, person_id=person_id))

    def pick(self, options: tuple[Option, ...], labels: list[str] | None = None) -> str | None:
        """The chosen option: a tapped button, or its number, key or label typed in text."""
        keys = [o.key for o in options]
        if self.incoming.option in keys:
            return self.incoming.option
        if self.incoming.option is not None:
            return None
        return parsing.choose(self.text, keys, labels or [])

    def answer_yes_no(self) -> bool | None:
        if self.incoming.option in ("yes", "no"):
            return self.incoming.option == "yes"
        return parsing.yes_no(self.text)

    def asks_back(self) -> bool:
        """A question in return ("hva mener du?", "?"), never an answer to store, even where
        any words are one (interests, topics in the person's own words)."""
        said = self.text.strip()
        if read(said).intent == "help":
            return True
        if not said.endswith("?"):
            return False
        return len(said.split()) > 1 or fold(said) in words().question_words  # "Ida?": a name

    def miss(self, template: str, options: tuple[Option, ...] = (), **context: Any) -> None:
        """Not understood: ask again with an example; a third miss offers the coordinator. A
        question in return ("hva mener du?") is no answer: it is said so before asking again."""
        self.state.misses += 1
        if self.asks_back():
            self.say("question_back")
        self.say(template, options, **context)
        if self.state.misses >= MAX_MISSES:
            self.state.misses = 0
            self.say("offer_coordinator", (opt("write", "label_write"),))


def opt(key: str, label_template: str, **context: Any) -> Option:
    return Option(key, label_template, context)


def yes_no_options() -> tuple[Option, ...]:
    return (opt("yes", "label_yes"), opt("no", "label_no"))
