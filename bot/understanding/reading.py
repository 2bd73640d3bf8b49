"""What a text asks for: its intents in order and their slots, from the words catalogues.

A text is read three ways, most certain first: a command said as the whole text or as its first
words followed by the command's own text ("SKRIV jeg er syg i dag", "MØDE tirsdag 15"); phrases
inside a sentence ("hej jeg vil gerne være mentor", "kan vi mødes tirsdag kl 15?", "vi mødtes 2
timer"); and yes/no. Slots come with the intent: the meeting's day, time and place, the minutes of
hours reported, the message for the coordinator. Nothing here touches the database: the engine
and the flows decide what a reading means at the step the person is at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.parsing_dates import parse_when
from bot.understanding.answers import hours_in, hours_minutes
from bot.understanding.words import fold, words

# When one text holds several intents, the first of these found is the one acted on first.
PRIORITY = (
    "erase",
    "withdraw",
    "stop",
    "mentor",
    "write",
    "outcome",
    "move",  # "kan ikke komme, kan vi flytte til onsdag?" asks to move, not to cancel
    "cancel",
    "hours",
    "status",
    "meeting",
    "relay",
    "unsure",
    "help",
    "greeting",
)
_LEAD = re.compile(r"^[\s:,.\-–]+|^(?:at|om|that)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """`intents` in the order they are acted on; `command`: said as a command (certain)."""

    intents: tuple[str, ...] = ()
    slots: dict[str, Any] = field(default_factory=dict)
    command: bool = False
    rest: str = ""  # a command's own text ("tirsdag 15" of "MØDE tirsdag 15")

    @property
    def intent(self) -> str | None:
        return self.intents[0] if self.intents else None


def yes_no(text: str | None) -> bool | None:
    """'ja', 'jep', 'ok', '👍' -> True; 'nej', 'kan ikke' -> False; anything else None."""
    if not text:
        return None
    said = fold(text)
    found = words()
    if said in found.yes:
        return True
    if said in found.no:
        return False
    first = said.split(" ", 1)[0] if said else ""
    if first in {"nej", "no", "nope", "nah", "ne"}:
        return False
    if first in {"ja", "jep", "yes", "ok", "okay", "jo", "yep", "jup", "jeps", "👍"}:
        return True
    return None


def _command(text: str) -> tuple[str, str] | None:
    """A command as the whole text, or its first words followed by the command's text."""
    found = words()
    tokens = text.strip().split()
    if tokens:
        tokens[0] = tokens[0].lstrip("/").split("@", 1)[0]  # Telegram's "/hjaelp@ourbot"
    said = " ".join(tokens)
    whole = fold(said)
    if whole in found.commands:
        return found.commands[whole], ""
    for size in range(min(4, len(tokens) - 1), 0, -1):
        head = fold(" ".join(tokens[:size]))
        name = found.commands.get(head)
        if name in found.with_text:
            rest = _LEAD.sub("", " ".join(tokens[size:])).strip()
            if name == "start" and found.commands.get(fold(rest)) == "mentor":
                return "mentor", ""  # "/start mentor" typed where there is no deep link
            return name, rest
    return None


def _phrases(text: str) -> list[tuple[int, str, str]]:
    """(position, intent, phrase) of every phrase found, longest phrase first at a position."""
    said = f" {fold(text)} "
    hits: list[tuple[int, str, str]] = []
    taken: list[range] = []
    for phrase, intent in words().phrases:
        start = said.find(f" {phrase} ")
        if start < 0:
            continue
        span = range(start, start + len(phrase) + 1)
        if any(start in r or span.stop - 1 in r for r in taken):
            continue
        taken.append(span)
        hits.append((start, intent, phrase))
    return sorted(hits)


def _after(text: str, phrase: str) -> str:
    """The person's words after `phrase` (as they wrote them): the message for the coordinator."""
    folded_words = fold(text).split()
    wanted = phrase.split()
    original = text.split()
    for i in range(len(folded_words) - len(wanted) + 1):
        if folded_words[i : i + len(wanted)] == wanted:
            # folded and original words line up when punctuation did not split a word
            return _LEAD.sub("", " ".join(original[i + len(wanted) :])).strip()
    return ""


def _asks(text: str) -> bool:
    """A question about news ("har du fået job?", "did you get the job") tells none."""
    said = fold(text)
    return "?" in text or any(said.startswith(f"{q} ") for q in words().outcome_questions)


def read(text: str | None, now: datetime | None = None, tz: ZoneInfo | None = None) -> Reading:
    """The intents of `text` and their slots; `now`/`tz` let dates be read (meeting slots)."""
    if not text or not text.strip():
        return Reading()
    command = _command(text)
    if command is not None:
        name, rest = command
        said = _slots(name, rest or "", now, tz)
        return Reading((name,), said, command=True, rest=rest)
    hits = _phrases(text)
    intents = [intent for _, intent, _ in hits]
    if "outcome" in intents and _asks(text):
        intents = [i for i in intents if i != "outcome"]  # "har du fået job?" is no news
    when = parse_when(text, now, tz) if now is not None and tz is not None else None
    minutes = hours_in(text)
    whole = hours_minutes(text)  # the text is an amount ("ca 2 timer tror jeg", "2 timer... nej 3")
    if (minutes or whole) is not None and not {"hours", "meeting"} & set(intents):
        folded = f" {fold(text)} "
        if whole is not None or any(f" {cue} " in folded for cue in words().hours_cues):
            intents.append("hours")
    timed = when is not None and (when.clock is not None or (when.day is not None and when.alone))
    if timed and not {"meeting", "move", "hours", "cancel"} & set(intents):  # "på torsdag"
        intents.append("meeting")
    ordered = sorted(set(intents), key=PRIORITY.index)
    if len(ordered) > 1 and "greeting" in ordered:
        ordered.remove("greeting")
    slots: dict[str, Any] = {}
    for intent in ordered:
        phrase = next((p for _, i, p in hits if i == intent), "")
        if intent == "outcome":
            slots["outcome"] = words().outcomes[phrase]
        words_of = _after(text, phrase) if phrase and intent == "write" else text
        slots.update(_slots(intent, words_of, now, tz))
    return Reading(tuple(ordered), slots)


def _slots(
    intent: str,
    rest: str,
    now: datetime | None,
    tz: ZoneInfo | None,
) -> dict[str, Any]:
    if intent == "write":
        return {"body": rest} if rest else {}
    if intent == "hours":
        minutes = hours_in(rest)
        if minutes is None:
            minutes = hours_minutes(rest)
        return {"minutes": minutes} if minutes is not None else {}
    if intent in ("meeting", "move") and now is not None and tz is not None:
        when = parse_when(rest, now, tz)
        if when is None:
            return {}
        found: dict[str, Any] = {}
        if when.day is not None:
            found["day"] = when.day.isoformat()
        elif when.starts_at is not None:
            found["day"] = when.starts_at.astimezone(tz).date().isoformat()
        if when.clock is not None:
            found["time"] = when.clock.strftime("%H:%M")
        if when.place is not None:
            found["place"] = when.place
        return found
    return {}
