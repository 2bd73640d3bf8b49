"""Replies to our e-mails: the e-mail channel's rule, run by the conversation engine after its
de-duplication (ARCHITECTURE.md, "A message in").

A reply from a known address whose first meaningful line says yes (or no) answers the meeting
our invite e-mail asked about (its Message-ID in In-Reply-To / References; else the meeting the
person is being asked about in the chat): confirm or decline, tell the other side, acknowledge by
e-mail. Anything else gets a friendly answer with an example, and a known person's words go to
the coordinator's inbox, so nothing is lost. Answers to one address are capped per day (no mail
loops, little backscatter). Nobody is signed up by e-mailing us.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.runtime import Runtime
from core.statuses import MeetingStatus, PersonStatus
from mentoring import inbox, outbound
from mentoring.meetings import answer_meeting
from mentoring.pairs import partner_name
from storage.models import ContactPoint, ConversationState, Match, Meeting, OutboxMessage, Person

ANSWERS_PER_DAY = 3  # answers we could not act on, per address and day
ANSWER_TEMPLATE = "email_inbound_answer"
ANSWER_BODY = "email/inbound_answer.txt.j2"


@dataclass(frozen=True)
class EmailReply:
    sender: str  # the bare From address, lower case
    text: str  # the new text, above the quoted part
    said: bool | None  # yes or no in its first meaningful line (bot.parsing reads it)
    meeting_id: int | None  # the meeting our invite was about, from In-Reply-To / References
    authenticated: bool = True  # SPF or the sender's own DKIM passed


async def answer(session: AsyncSession, runtime: Runtime, mail: EmailReply) -> str:
    """Act on one reply; returns what became of it (confirmed, declined, unclear, already,
    nothing, unknown, unverified) for the log."""
    now = runtime.clock()
    found = await _sender(session, mail.sender)
    if found is None:
        await _answer(session, runtime, mail.sender, None, "unknown", now)
        return "unknown"
    person, address = found
    if not mail.authenticated:
        # Anyone can write a mentor's address in From: the coordinator reads it and decides;
        # no answer goes out (it would land with the real owner of the address).
        await inbox.put(session, person, inbox.Kind.UNVERIFIED_EMAIL, now=now, body=mail.text)
        return "unverified"
    meeting = await _meeting(session, person, mail.meeting_id)
    pending = (
        meeting is not None
        and meeting.status == MeetingStatus.PROPOSED
        and meeting.proposed_by != person.id
        and meeting.starts_at > now
    )
    if meeting is not None and pending and mail.said is not None:
        await answer_meeting(
            session,
            runtime.renderer,
            meeting.id,
            person.id,
            mail.said,
            now=now,
            tz=runtime.settings.tz,
        )
        await _acknowledge(session, runtime, person, address, meeting, mail.said)
        return "confirmed" if mail.said else "declined"
    if pending:
        outcome = "unclear"
    elif meeting is not None and meeting.status == MeetingStatus.CONFIRMED and mail.said is True:
        outcome = "already"
    else:
        outcome = "nothing"
    forwarded = outcome != "already" and bool(mail.text)
    if forwarded:
        await inbox.put(session, person, inbox.Kind.MESSAGE, now=now, body=mail.text)
    await _answer(session, runtime, address, person, outcome, now, meeting, forwarded)
    return outcome


async def _sender(session: AsyncSession, address: str) -> tuple[Person, str] | None:
    """The person writing from this address (any case), with the address as we have it."""
    row = (
        await session.execute(
            select(Person, ContactPoint.address)
            .join(ContactPoint, ContactPoint.person_id == Person.id)
            .where(ContactPoint.channel == "email", func.lower(ContactPoint.address) == address)
            .order_by(ContactPoint.id)
            .limit(1)
        )
    ).first()
    if row is None or row[0].status == PersonStatus.ERASED:
        return None
    return row[0], row[1]


async def _meeting(session: AsyncSession, person: Person, referenced: int | None) -> Meeting | None:
    """The meeting the e-mail answers (if it is this person's), else the one they are asked."""
    candidates: list[int] = [referenced] if referenced is not None else []
    state = await session.get(ConversationState, person.id)
    if state is not None and state.flow == "meeting_confirm":
        candidates.append(int(state.data.get("meeting_id", 0)))
    for meeting_id in candidates:
        meeting = await session.get(Meeting, meeting_id)
        match = await session.get(Match, meeting.match_id) if meeting else None
        if match is not None and match.has(person.id):
            return meeting
    return None


async def _acknowledge(
    session: AsyncSession,
    runtime: Runtime,
    person: Person,
    address: str,
    meeting: Meeting,
    yes: bool,
) -> None:
    match = await session.get(Match, meeting.match_id)
    assert match is not None
    partner = await partner_name(session, match, person.id)
    if yes:
        await outbound.say_at(
            session, runtime.renderer, channel="email", address=address,
            template="meeting_confirmed", person=person,
            context={"partner": partner, "at": meeting.starts_at, "place": meeting.place},
        )  # fmt: skip
    else:
        await outbound.say_at(
            session, runtime.renderer, channel="email", address=address,
            template=ANSWER_TEMPLATE, body_template=ANSWER_BODY, person=person,
            context={"outcome": "declined", "meeting": meeting, "partner": partner,
                     "forwarded": False},
        )  # fmt: skip


async def _answer(
    session: AsyncSession,
    runtime: Runtime,
    address: str,
    person: Person | None,
    outcome: str,
    now: datetime,
    meeting: Meeting | None = None,
    forwarded: bool = False,
) -> None:
    """A friendly answer with an example, at most ANSWERS_PER_DAY to one address a day."""
    day = local_date(now, runtime.settings.tz).strftime("%Y%m%d")
    who = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    prefix = f"email-answer:{who}:{day}:"
    used = set(
        await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.startswith(prefix))
        )
    )
    free = [n for n in range(ANSWERS_PER_DAY) if f"{prefix}{n}" not in used]
    if not free:
        return
    await outbound.say_at(
        session, runtime.renderer, channel="email", address=address, template=ANSWER_TEMPLATE,
        body_template=ANSWER_BODY, person=person, language=runtime.settings.default_language,
        context={"outcome": outcome, "meeting": meeting, "partner": "", "forwarded": forwarded},
        dedupe_key=f"{prefix}{free[0]}",
    )  # fmt: skip
