"""What anyone can say at any time: help, stop, start, my data, language, write to the
coordinator, "I'm unsure", and the doors into meetings and hours."""

from __future__ import annotations

import re
from typing import Any

from bot import parsing
from bot.flows import job_leads, meeting_hours, meetings, paused, privacy, relay, status
from bot.turn import Turn, opt
from bot.understanding.reading import read
from bot.understanding.words import fold, words
from core.statuses import PersonStatus, Role
from mentoring import inbox, outcome_news
from mentoring.audit import record
from mentoring.coordinators import coordinator_name
from mentoring.hours import minutes_reported
from mentoring.inbox_queue import answer_day
from mentoring.meetings import meeting_count
from mentoring.pairs import open_match_for, partner_name
from mentoring.people import Youth, contact_points_of, has_consent, mentor_by_id, youth_by_id

OPTION_COMMANDS = {
    "write": "write",
    "help": "help",
    "lang:da": "danish",
    "lang:en": "english",
    "relay": "relay",
}


def command(text: str, option: str | None) -> tuple[str | None, str]:
    """('meeting', 'tirsdag 15.00 Café X') for 'MØDE tirsdag 15.00 Café X' (words catalogues)."""
    if option is not None:
        if option.startswith("relay:"):  # the Svar button under a relayed message names the pair
            return "relay", ""
        return OPTION_COMMANDS.get(option), ""
    reading = read(text)
    return (reading.intent, reading.rest) if reading.command else (None, "")


async def run(turn: Turn, name: str, rest: str) -> bool:
    """Run a command; False when it does not apply here and the flow should read the text."""
    if name == "hours" and turn.state.flow in ("meeting_held", "hours") and rest:
        return False
    if name in ("english", "danish") and turn.state.step == "languages":
        return False  # the mentor sign-up asks which languages they speak
    if name == "start":
        return await _start(turn)
    if name == "help":
        turn.say("help", role=turn.person.role)
    elif name == "stop":
        if turn.person.status != PersonStatus.PAUSED:
            await inbox.stop_requested(turn.session, turn.person, now=turn.now)
        turn.person.status = PersonStatus.PAUSED
        await record(turn.session, f"person:{turn.person.id}", "paused", "person", turn.person.id)
        turn.say("stopped")
    elif name == "mydata":
        await _my_data(turn)
    elif name == "erase":
        await privacy.start_erase(turn)
    elif name == "withdraw":
        await privacy.withdraw(turn)
    elif name in ("english", "danish"):
        turn.person.language = "en" if name == "english" else "da"
        turn.say("language_set")
        await _reprompt(turn)
    elif name == "language":
        _remember(turn)
        turn.goto("language", "ask")
        turn.say(
            "language_ask",
            (
                opt("lang:da", "label_language", code="da"),
                opt("lang:en", "label_language", code="en"),
            ),
        )
    elif name == "write" and rest:
        await write_now(turn, rest)
    elif name == "write":
        _remember(turn)
        turn.goto("coordinator", "write", {"resume": turn.data.get("resume")})
        turn.say("write_ask")
    elif name == "unsure":
        await _unsure(turn)
    elif name == "mentor":
        return await become_mentor(turn)
    elif name == "job":
        return await job_leads.start(turn)
    elif name == "relay" and not await relay.start(turn, rest):
        await _no_pair_message(turn, rest)  # no running pair: as before, to the coordinator
    elif not _member(turn):
        return False
    elif name == "meeting":
        await meetings.start_propose(turn, rest)
    elif name == "cancel":
        await meetings.cancel(turn)
    elif name == "move":
        await meetings.start_move(turn)
    elif name == "hours":
        await meeting_hours.start_hours(turn, rest)
    elif name == "status":
        await status.show(turn)
    return True


async def _no_pair_message(turn: Turn, rest: str) -> None:
    if rest:
        await write_now(turn, rest)
    else:
        await run(turn, "write", "")


async def become_mentor(turn: Turn) -> bool:
    """'jeg vil være mentor' leaves a youth sign-up that has not finished (any phrasing)."""
    from bot.flows import signup_mentor

    if turn.person.role != Role.UNKNOWN or turn.state.flow not in (None, "signup_youth"):
        return False
    await signup_mentor.start(turn, None)
    return True


async def any_point(turn: Turn) -> bool:
    """Phrases that act wherever the person is (no command word): 'hej jeg vil gerne være
    mentor' during a youth sign-up, 'skriv til koordinatoren at ...' with its message."""
    if turn.incoming.option is not None or turn.state.flow == "coordinator":
        return False
    reading = read(turn.text)
    if reading.intent == "mentor":
        return await become_mentor(turn)
    if reading.intent == "write" and reading.slots.get("body"):
        await write_now(turn, reading.slots["body"])
        return True
    return False


async def write_now(turn: Turn, body: str) -> None:
    """'SKRIV <besked>' in one text: to the coordinator at once, then back to where they were."""
    await inbox.put(turn.session, turn.person, inbox.Kind.MESSAGE, now=turn.now, body=body)
    turn.say("write_sent", **_answer_by(turn))
    if turn.state.flow not in (None, "coordinator"):
        await _reprompt(turn)


def _answer_by(turn: Turn) -> dict[str, Any]:
    """When the coordinator will answer (mentoring.inbox_queue.answer_day), for write_sent."""
    day = answer_day(turn.now, turn.tz)
    return {"answer_day": day, "answer_today": day == turn.today}


def _member(turn: Turn) -> bool:
    """A signed-up youth or mentor (not someone half-way through sign-up)."""
    return turn.person.role != Role.UNKNOWN and turn.person.status == PersonStatus.ACTIVE


async def _start(turn: Turn) -> bool:
    youth = await youth_by_id(turn.session, turn.person.id)
    if (
        turn.person.status == PersonStatus.PAUSED
        and youth is not None
        and youth.guardian_objected_at
    ):
        # Only the coordinator or the guardian can lift an objection; the coordinator is a tap away.
        turn.say("privacy_guardian_paused", paused.write_button(turn))
        return True
    if turn.person.status == PersonStatus.PAUSED:
        turn.person.status = (
            PersonStatus.SIGNING_UP if turn.person.role == Role.UNKNOWN else PersonStatus.ACTIVE
        )
        await record(turn.session, f"person:{turn.person.id}", "resumed", "person", turn.person.id)
        turn.say("resumed")
        return True
    if turn.person.status == PersonStatus.SIGNING_UP:
        await _reprompt(turn)
        return True
    turn.say("help", role=turn.person.role)
    return True


def _remember(turn: Turn) -> None:
    """Keep the flow the person was in, so a side trip (write, language) can return to it."""
    if turn.state.flow not in (None, "coordinator", "language"):
        turn.set(resume={"flow": turn.state.flow, "step": turn.state.step, "data": turn.data})


async def back(turn: Turn) -> None:
    """Return to the remembered flow, asking its question again."""
    resume = turn.data.get("resume")
    if resume:
        turn.goto(resume["flow"], resume["step"], resume["data"])
        await _reprompt(turn)
    else:
        turn.goto(None, None, {})


async def _reprompt(turn: Turn) -> None:
    from bot.flows import signup_mentor, signup_youth

    if turn.state.flow == "signup_youth":
        await signup_youth.ask_step(turn, turn.state.step or "consent")
    elif turn.state.flow == "signup_mentor":
        await signup_mentor.ask_step(turn, turn.state.step or "name")


async def handle_write(turn: Turn) -> None:
    if not turn.text:
        turn.miss("write_ask")
        return
    await inbox.put(turn.session, turn.person, inbox.Kind.MESSAGE, now=turn.now, body=turn.text)
    turn.say("write_sent", **_answer_by(turn))
    await back(turn)


async def handle_language(turn: Turn) -> None:
    chosen = {"lang:da": "da", "lang:en": "en"}.get(turn.incoming.option or "")
    if chosen is None:
        said = parsing.normalise(turn.text)
        chosen = {
            "dansk": "da",
            "da": "da",
            "1": "da",
            "english": "en",
            "en": "en",
            "2": "en",
            "engelsk": "en",
        }.get(said)
    if chosen is None:
        turn.miss("language_ask")
        return
    turn.person.language = chosen
    turn.say("language_set")
    await back(turn)


async def _unsure(turn: Turn, body: str | None = None) -> None:
    """USIKKER, or said in a sentence ("jeg vil ikke være med mere"): to the coordinator only,
    with the words when they were more than the command; the mentor is not told."""
    match = await inbox.put(turn.session, turn.person, inbox.Kind.UNSURE, now=turn.now, body=body)
    if match is not None and match.unsure_flag_at is None:
        match.unsure_flag_at = turn.now
    turn.say(
        "unsure_noted", coordinator=await coordinator_name(turn.session), role=turn.person.role
    )


async def _my_data(turn: Turn) -> None:
    session, person = turn.session, turn.person
    points = await contact_points_of(session, person.id)
    youth = await youth_by_id(session, person.id)
    mentor = await mentor_by_id(session, person.id)
    match = await open_match_for(session, person.id)
    partner = None
    meetings_count = minutes = 0
    if match is not None:
        partner = await partner_name(session, match, person.id) or None
        meetings_count = await meeting_count(session, match.id)
        minutes = await minutes_reported(session, match.id)
    turn.say(
        "my_data",
        first_name=person.first_name,
        role=person.role,
        birth_year=youth.birth_year if youth else None,
        situation=youth.situation if youth else None,
        interests=list(youth.interests) if youth else [],
        interests_text=youth.interests_text if youth else None,
        area=(youth.area or youth.postcode) if youth else (mentor.area if mentor else None),
        guardian=_guardian_kept(youth),
        contacts=[{"channel": p.channel, "address": p.address} for p in points],
        consent=await has_consent(session, person.id),
        partner=partner,
        meetings=meetings_count,
        hours=minutes / 60,
    )


def _guardian_kept(youth: Youth | None) -> str | None:
    """What we keep about the youth's guardian besides the name: phone, email or both."""
    if youth is None or not youth.guardian_name:
        return None
    if youth.guardian_phone and youth.guardian_email:
        return "both"
    return "email" if youth.guardian_email else "phone"


async def idle(turn: Turn) -> None:
    """Text outside any flow, read for what it asks: "kan vi mødes tirsdag kl 15?" proposes a
    meeting, "vi mødtes 2 timer" reports hours, "kan vi flytte mødet" moves one, "hun har fået
    job" is news for the coordinator (mentoring/outcome_news.py); several in one
    text are done in turn (hours, then the next meeting)."""
    reading = read(turn.text, turn.now, turn.runtime.settings.tz)
    intents = reading.intents
    if "outcome" in intents and await outcome_news.tell(
        turn.session, turn.person, reading.slots["outcome"], turn.text, now=turn.now,
        today=turn.today,
    ):  # fmt: skip
        turn.say("outcome_news_thanks")  # "hun har fået job": kept for the coordinator to confirm
        if not {"meeting", "hours", "move", "cancel"} & set(intents):
            return  # otherwise the rest of the text is read too: nothing in it is lost
    if "unsure" in intents:  # "jeg vil ikke være med mere": never offered to the mentor
        await _unsure(turn, body=turn.text)
        return
    if _member(turn) and await meetings.has_active_match(turn):
        if "move" in intents:  # before cancel (understanding.reading.PRIORITY)
            await meetings.start_move(turn)
            return
        if "cancel" in intents:
            await meetings.cancel(turn)
            return
        minutes = reading.slots.get("minutes") or parsing.hours_minutes(turn.text)
        if "hours" in intents or (minutes and not intents):
            await meeting_hours.start_hours(turn, f"{minutes} min" if minutes else "")
            if "meeting" not in intents or not minutes:
                return
        if "meeting" in intents:
            await meetings.start_propose(turn, turn.text)
            return
        if "status" in intents:
            await status.show(turn)
            return
        if not intents and await relay.offer(turn):
            return  # "jeg kommer 10 min for sent": offered to the other side, not "forstod ikke"
    if "help" in intents or "greeting" in intents:
        turn.say("help", role=turn.person.role)
        return
    if "stop" in intents:
        await run(turn, "stop", "")
        return
    if not intents and re.sub(r"[^\w\s]", "", fold(turn.text)).strip() in words().thanks:
        turn.say("thanks_back")  # "tak 😊": nothing to act on, and nothing misunderstood
        return
    turn.miss("not_understood", role=turn.person.role)
