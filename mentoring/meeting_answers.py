"""Both sides say whether a meeting was held, and for how long (README, "Meetings and hours").

After a meeting the youth and the mentor are each asked (mentoring/followups/planning.py).
Either side's answer counts: the first "yes" makes the meeting held and a "no" from the other side
does not undo it (a held meeting is not lost on one side's word); the meeting keeps one duration
(`mentoring.hours.report_hours`: the latest report replaces the earlier one, so the hours count
once). What each side said is kept as a `MeetingAnswer`; when the two disagree (held against not
held, or durations `RULES.held_minutes_far_apart` or more apart) the coordinator gets one inbox
item for the meeting, with both answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import inbox
from mentoring.rules import RULES
from messaging.render import Renderer
from storage.models import Match, Meeting, MeetingAnswer, Person


async def answer_of(session: AsyncSession, meeting_id: int, person_id: int) -> MeetingAnswer | None:
    return await session.scalar(
        select(MeetingAnswer).where(
            MeetingAnswer.meeting_id == meeting_id, MeetingAnswer.person_id == person_id
        )
    )


def disagree(one: MeetingAnswer | None, other: MeetingAnswer | None) -> bool:
    """Held against not held, or two durations far apart (a missing duration is no dispute)."""
    if one is None or other is None:
        return False
    if one.held != other.held:
        return True
    if one.minutes is None or other.minutes is None:
        return False
    return abs(one.minutes - other.minutes) >= RULES.held_minutes_far_apart


async def record(
    session: AsyncSession,
    renderer: Renderer,
    meeting: Meeting,
    person_id: int,
    *,
    held: bool,
    minutes: int | None = None,
    now: datetime,
    language: str,
) -> bool:
    """Keep `person_id`'s answer about `meeting`; True when it newly disagrees with the other
    side's (the coordinator has been told, in `language`)."""
    match = await session.get(Match, meeting.match_id)
    if match is None or not match.has(person_id):
        return False
    mine = await answer_of(session, meeting.id, person_id)
    other = await answer_of(session, meeting.id, match.other(person_id))
    before = disagree(mine, other)
    if mine is None:
        mine = MeetingAnswer(meeting_id=meeting.id, person_id=person_id, held=held)
        session.add(mine)
    if mine.held != held:
        mine.minutes = None  # a changed mind about whether it was held drops the old duration
    mine.held, mine.answered_at = held, now
    if minutes is not None:
        mine.minutes = minutes
    if before or not disagree(mine, other):
        return False
    assert other is not None
    person = await session.get(Person, person_id)
    partner = await session.get(Person, match.other(person_id))
    if person is None:
        return False
    body = renderer.render(
        "email/meeting_disagreement.txt.j2",
        language,
        at=meeting.starts_at,
        answers=[(person.first_name, mine), (partner.first_name if partner else None, other)],
    )
    await inbox.put(
        session, person, inbox.Kind.MEETING_DISAGREEMENT, now=now, body=body, match=match
    )
    return True
