"""Meetings: propose (slots or free text), confirm / decline / counter-propose, move and cancel.
Every time is read back. "Was it held?" and the hours are bot/flows/meeting_hours.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot import parsing
from bot.events import Option
from bot.parsing_dates import When, localise, parse_when
from bot.turn import Turn, opt, yes_no_options
from bot.understanding import answers
from bot.understanding.words import fold, words
from core.clock import local_date
from core.statuses import MeetingStatus
from mentoring.errors import DomainError
from mentoring.meetings import (
    Meeting,
    cancel_meeting,
    confirm_meeting,
    decline_meeting,
    get_meeting,
    open_meetings,
    propose_meeting,
    refuse_if_on_hold,
    reschedule_meeting,
)
from mentoring.pairs import Match, active_match, match_by_id, partner_name
from mentoring.prompts import set_state

SLOT_TIME = time(15, 0)
SLOT_DAYS = 3


async def active_match_of(turn: Turn) -> Match | None:
    return await active_match(turn.session, turn.person.id)


async def has_active_match(turn: Turn) -> bool:
    return await active_match_of(turn) is not None


async def _slots(turn: Turn) -> tuple[Option, ...]:
    """The next weekdays at 15:00 local time, as buttons; never a time the pair has booked."""
    tz = turn.runtime.settings.tz
    match_id = turn.data.get("match_id")
    booked = (
        {m.starts_at for m in await open_meetings(turn.session, int(match_id))}
        if match_id
        else set()
    )
    slots: list[Option] = []
    day = turn.today + timedelta(days=1)
    while len(slots) < SLOT_DAYS:
        moment = datetime.combine(day, SLOT_TIME, tzinfo=tz)
        if day.weekday() < 5 and moment.astimezone(UTC) not in booked:
            slots.append(opt(f"s:{moment:%Y%m%d%H%M}", "label_slot", at=moment))
        day += timedelta(days=1)
    return tuple(slots)


def _slot_time(turn: Turn, key: str) -> datetime | None:
    try:
        naive = datetime.strptime(key[2:], "%Y%m%d%H%M")  # noqa: DTZ007  (local, zone added next)
    except ValueError:
        return None
    return naive.replace(tzinfo=turn.runtime.settings.tz)


async def start_propose(turn: Turn, rest: str) -> None:
    match = await active_match_of(turn)
    if match is None:
        turn.say("no_active_match")
        return
    await refuse_if_on_hold(turn.session, match)  # before any question: nothing to plan now
    turn.goto("meeting", "when", {"match_id": match.id})
    # "kan vi mødes?" names no day or time yet: asked when, not told it was not understood
    if rest and parse_when(_prefix_stripped(rest), turn.now, turn.runtime.settings.tz):
        await handle_propose(turn)
        return
    turn.say("meeting_when", await _slots(turn))


def _meeting_options(meetings: list[Meeting]) -> tuple[Option, ...]:
    return tuple(opt(f"m:{m.id}", "label_slot", at=m.starts_at) for m in meetings)


async def _which(turn: Turn, meetings: list[Meeting]) -> Meeting | None:
    """The meeting chosen among `meetings` (a button, its number, or a day or time written)."""
    options = _meeting_options(meetings)
    chosen = turn.pick(options)
    if chosen is not None:
        return next(m for m in meetings if f"m:{m.id}" == chosen)
    when = parse_when(turn.text, turn.now, turn.runtime.settings.tz)
    if when is None:
        return None
    tz = turn.runtime.settings.tz
    fits = [
        m
        for m in meetings
        if (when.day is None or m.starts_at.astimezone(tz).date() == when.day)
        and (when.clock is None or m.starts_at.astimezone(tz).time() == when.clock)
    ]
    return fits[0] if len(fits) == 1 else None


async def _pair_meetings(turn: Turn) -> tuple[Match | None, list[Meeting]]:
    match = await active_match_of(turn)
    return match, (await open_meetings(turn.session, match.id) if match else [])


async def start_move(turn: Turn) -> None:
    """FLYT: which meeting (asked when there are several), then the new time, read back."""
    match, meetings = await _pair_meetings(turn)
    if match is None or not meetings:
        turn.say("no_open_meeting")
        return
    turn.goto("meeting", "which", {"match_id": match.id, "unsure": True})
    if len(meetings) > 1:
        turn.say("meeting_which", _meeting_options(meetings), action="move")
        return
    await _move_this(turn, meetings[0], said=_prefix_stripped(turn.text, "move"))


async def _move_this(turn: Turn, meeting: Meeting, said: str = "") -> None:
    """The new time asked for, unless the text that asked to move already gave one ("kan vi
    rykke til tirsdag?"): then only what is missing is asked. A day and time that are the
    meeting's own name the meeting, not the new time ("flyt mødet mandag")."""
    turn.set(meeting_id=meeting.id, place=meeting.place, place_done=True)
    when = parse_when(said, turn.now, turn.tz) if said else None
    local = meeting.starts_at.astimezone(turn.tz)
    if when is not None and (when.day or when.clock):
        own = when.day in (None, local.date()) and when.clock in (None, local.time())
        if not own:
            _remember_when(turn, when)
            await _next_question(turn)
            return
    turn.ask("when", "meeting_move_when", await _slots(turn), at=meeting.starts_at)


async def cancel(turn: Turn) -> None:
    """AFLYS: which meeting (asked when there are several), then "are you sure?"."""
    match, meetings = await _pair_meetings(turn)
    if match is None or not meetings:
        turn.say("no_open_meeting")
        return
    turn.goto("cancel", "which", {"match_id": match.id})
    if len(meetings) > 1:
        turn.say("meeting_which", _meeting_options(meetings), action="cancel")
        return
    turn.set(meeting_id=meetings[0].id)
    turn.ask("confirm", "meeting_cancel_confirm", yes_no_options(), at=meetings[0].starts_at)


async def handle_cancel(turn: Turn) -> None:
    """Flow `cancel`: which meeting, then yes/no before anything is cancelled or told."""
    match, meetings = await _pair_meetings(turn)
    if match is None or not meetings:
        turn.goto(None, None, {})
        turn.say("no_open_meeting")
        return
    if turn.state.step == "which":
        chosen = await _which(turn, meetings)
        if chosen is None:
            turn.miss("meeting_which", _meeting_options(meetings), action="cancel")
            return
        turn.set(meeting_id=chosen.id)
        turn.ask("confirm", "meeting_cancel_confirm", yes_no_options(), at=chosen.starts_at)
        return
    meeting = await get_meeting(turn.session, int(turn.data["meeting_id"]))
    answer = turn.answer_yes_no()
    if answer is None:
        turn.miss("meeting_cancel_confirm", yes_no_options(), at=meeting.starts_at)
        return
    turn.goto(None, None, {})
    if not answer:
        turn.say("meeting_kept", at=meeting.starts_at)
        return
    meeting = await cancel_meeting(
        turn.session, meeting.id, turn.person.id, now=turn.now, tz=turn.tz
    )
    turn.say("meeting_cancelled", at=meeting.starts_at)
    turn.tell(
        match.other(turn.person.id),
        "meeting_cancelled_by_other",
        at=meeting.starts_at,
        partner=turn.person.first_name,
    )


def _skip_options() -> tuple[Option, ...]:
    return (opt("skip", "label_skip"),)


def _prefix_stripped(text: str, *commands: str) -> str:
    """'MØDE tirsdag 15' -> 'tirsdag 15', 'FLYT torsdag 10' -> 'torsdag 10': the command word
    (the catalogue's, templates/locales/*/words.yaml) is no part of the answer, nor a place."""
    said = text.split()
    folded = fold(text.lstrip("/")).split()
    named = [p.split() for p, c in words().commands.items() if c in (commands or ("meeting",))]
    for phrase in sorted(named, key=len, reverse=True):
        if folded[: len(phrase)] == phrase:
            return " ".join(said[len(phrase) :])
    return text


def _remember_when(turn: Turn, when: When) -> None:
    """Keep what this text said next to what earlier texts said (a day stays for the time)."""
    if when.day is not None:
        turn.set(day=when.day.isoformat())
    if when.clock is not None:
        turn.set(clock=when.clock.strftime("%H:%M"))
        if when.day is None and not turn.data.get("day") and when.starts_at is not None:
            turn.set(day=local_date(when.starts_at, turn.runtime.settings.tz).isoformat())
    if when.place is not None:
        turn.set(place=when.place, place_done=True)
    if not when.confident:
        turn.set(unsure=True)


async def handle_propose(turn: Turn) -> None:
    """Flow `meeting`: day, time and place are kept across texts; only what is missing is
    asked (when -> time -> place), an unsure reading is read back (step `readback`), and
    nothing reaches the partner before the proposer has what they meant."""
    step, text = turn.state.step, turn.text
    option = turn.incoming.option or ""
    if option.startswith("s:"):
        at = _slot_time(turn, option)
        if at is None:
            turn.miss("meeting_when_again", await _slots(turn))
            return
        local = at.astimezone(turn.runtime.settings.tz)
        turn.set(day=local.date().isoformat(), clock=local.strftime("%H:%M"))
    elif step == "which":
        _, meetings = await _pair_meetings(turn)
        picked = await _which(turn, meetings)
        if picked is None:
            turn.miss("meeting_which", _meeting_options(meetings), action="move")
            return
        await _move_this(turn, picked)
        return
    elif step == "readback":
        answer = turn.answer_yes_no()
        if answer is True:
            await _propose(turn, _at(turn), turn.data.get("place"))
            return
        if answer is False:
            turn.set(day=None, clock=None, unsure=False)
            turn.ask("when", "meeting_when_again", await _slots(turn))
            return
        when = parse_when(text, turn.now, turn.runtime.settings.tz)
        if when is None:
            turn.miss("meeting_readback", yes_no_options(), **await _readback_context(turn))
            return
        turn.set(unsure=False)
        _remember_when(turn, when)
    elif step == "place":
        chosen = turn.pick(_skip_options(), [_skip_label(turn)])
        when = parse_when(text, turn.now, turn.runtime.settings.tz) if chosen is None else None
        if when is not None and when.clock is not None:
            _remember_when(turn, when)  # a new time instead of a place
        elif chosen == "skip" or parsing.is_skip(text):
            turn.set(place=None, place_done=True)
        elif text and fold(text).strip(" !.") not in words().yes:  # "ja" is no place
            turn.set(place=_place_answer(text), place_done=True)
        else:
            turn.miss("meeting_place", _skip_options())
            return
    else:
        when = parse_when(
            _prefix_stripped(text), turn.now, turn.runtime.settings.tz, bare_hour=step == "time"
        )
        if when is None:
            if step == "time" and _free_after(text):
                turn.miss("meeting_time_free")  # "efter skole": when is that?
            elif step == "time":
                turn.miss("meeting_time_again")
            else:
                turn.miss("meeting_when_again", await _slots(turn))
            return
        _remember_when(turn, when)
    await _next_question(turn)


def _free_after(text: str) -> bool:
    said = f" {fold(text)} "
    return any(f" {phrase} " in said for phrase in words().free_after)


def _skip_label(turn: Turn) -> str:
    return turn.runtime.renderer.message("label_skip", turn.person.language)


def _place_answer(text: str) -> str:
    """The answer to "where?", as written ('hos mig', 'ude på havnen'), without a leading 'på'
    (the templates say it before a bare place) or a trailing '?.'."""
    place = re.sub(r"^(?:på|paa|at)\s+", "", text.strip(), flags=re.IGNORECASE)
    return place.strip(" ?.!,")[:200] or text[:200]


def _at(turn: Turn) -> datetime:
    day = date.fromisoformat(turn.data["day"])
    hour, minute = (int(x) for x in turn.data["clock"].split(":"))
    return localise(day, time(hour, minute), turn.runtime.settings.tz)


async def _readback_context(turn: Turn) -> dict[str, Any]:
    match = await match_by_id(turn.session, int(turn.data["match_id"]))
    partner = await partner_name(turn.session, match, turn.person.id) if match else ""
    return {"at": _at(turn), "place": turn.data.get("place"), "partner": partner}


async def _next_question(turn: Turn) -> None:
    data = turn.data
    if not data.get("day") and not data.get("clock"):
        turn.ask("when", "meeting_when_again", await _slots(turn))
    elif not data.get("clock"):
        turn.ask("time", "meeting_time", day=date.fromisoformat(data["day"]))
    elif not data.get("place_done"):
        turn.ask("place", "meeting_place", _skip_options())
    elif data.get("unsure"):
        turn.ask("readback", "meeting_readback", yes_no_options(), **await _readback_context(turn))
    else:
        await _propose(turn, _at(turn), data.get("place"))


async def _propose(turn: Turn, at: datetime, place: str | None) -> None:
    data = turn.data
    match_id = int(data["match_id"])
    said, place = place, await _place_for_all(turn, match_id, place)
    moved_from = None
    try:
        if data.get("meeting_id"):
            agreed = await get_meeting(turn.session, int(data["meeting_id"]))
            if agreed.status == MeetingStatus.CONFIRMED:  # a counter to a proposal moves nothing
                moved_from = agreed.starts_at
            meeting = await reschedule_meeting(
                turn.session,
                int(data["meeting_id"]),
                turn.person.id,
                at,
                place,
                now=turn.now,
                tz=turn.tz,
            )
        else:
            meeting = await propose_meeting(
                turn.session, match_id, turn.person.id, at, place, now=turn.now, tz=turn.tz
            )
    except DomainError as err:
        if err.key in ("meeting_in_past", "meeting_too_far_ahead"):
            turn.say("error", error_key=err.key, **err.params)
            turn.ask("when", "meeting_when_again", await _slots(turn))
            return
        raise
    turn.goto(None, None, {})
    await _ask_other(turn, meeting, said, moved_from)


async def _place_for_all(turn: Turn, match_id: int, place: str | None) -> str | None:
    """'hos mig' is kept as 'hos Sara' (and 'hos dig' with the partner's name), so the partner,
    the dashboard and the calendar read it right; the writer is read back their own words."""
    whose = answers.whose_place(place)
    name = turn.person.first_name if whose == "writer" else None
    if whose == "partner":
        match = await match_by_id(turn.session, match_id)
        name = await partner_name(turn.session, match, turn.person.id) if match else None
    if not name:
        return place
    return turn.runtime.renderer.message("label_place_home", turn.person.language, who=name).strip()


async def _ask_other(
    turn: Turn, meeting: Meeting, said: str | None, moved_from: datetime | None = None
) -> None:
    """Tell the proposer what was proposed, in their words, and ask the other side to confirm;
    a move names the time it replaces, so it is not read as a second meeting."""
    match = await match_by_id(turn.session, meeting.match_id)
    assert match is not None
    other = match.other(turn.person.id)
    context: dict[str, Any] = {"at": meeting.starts_at, "place": meeting.place}
    partner = await partner_name(turn.session, match, turn.person.id)
    turn.say("meeting_proposed", partner=partner, **(context | {"place": said}))
    await set_state(
        turn.session, other, "meeting_confirm", "ask", {"meeting_id": meeting.id}, now=turn.now
    )
    turn.tell(
        other, "meeting_confirm_ask", yes_no_options(), partner=turn.person.first_name,
        moved_from=moved_from if moved_from != meeting.starts_at else None, **context,
    )  # fmt: skip


async def handle_confirm(turn: Turn) -> None:
    """Flow `meeting_confirm` {"meeting_id"}: yes / no / a new time as a counter-proposal."""
    meeting = await get_meeting(turn.session, int(turn.data["meeting_id"]))
    match = await match_by_id(turn.session, meeting.match_id)
    assert match is not None
    other = match.other(turn.person.id)
    answer = turn.answer_yes_no()
    context: dict[str, Any] = {"at": meeting.starts_at, "place": meeting.place}
    if answer is True:
        await confirm_meeting(turn.session, meeting.id, turn.person.id, now=turn.now, tz=turn.tz)
        turn.goto(None, None, {})
        partner = await partner_name(turn.session, match, turn.person.id)
        turn.say("meeting_confirmed", partner=partner, **context)
        turn.tell(other, "meeting_confirmed", partner=turn.person.first_name, **context)
        return
    when = parse_when(turn.text, turn.now, turn.runtime.settings.tz) if answer is not True else None
    if when is not None and when.place is None and when.clock is None and when.day is None:
        when = None
    if when is not None:
        await _counter(turn, meeting, when)
        return
    if answer is False:
        await decline_meeting(turn.session, meeting.id, turn.person.id, now=turn.now, tz=turn.tz)
        turn.goto(None, None, {})
        turn.say("meeting_declined_ack")
        turn.tell(other, "meeting_declined", partner=turn.person.first_name, **context)
        return
    turn.miss("meeting_confirm_again", yes_no_options(), **context)


async def _counter(turn: Turn, meeting: Meeting, when: When) -> None:
    """Another time instead: kept as a proposal of the answerer's own, asked for what is
    missing and read back before the partner sees it (a counter-proposal is never guessed)."""
    tz = turn.runtime.settings.tz
    local = meeting.starts_at.astimezone(tz)
    turn.goto("meeting", "when", {"match_id": meeting.match_id, "meeting_id": meeting.id})
    if when.clock is not None and when.day is None:
        turn.set(day=local.date().isoformat())  # "kl 16 i stedet": the same day, another time
    _remember_when(turn, when)
    if not turn.data.get("place_done"):
        turn.set(place=meeting.place, place_done=True)  # the place stays unless a new one came
    turn.set(unsure=True)
    await _next_question(turn)
