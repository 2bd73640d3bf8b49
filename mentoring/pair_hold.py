"""A pair on hold while a parent or guardian objects (README, "People"), and lifting the hold.

The objection pauses the youth (mentoring/guardians.py). The pair itself is not ended, since the
coordinator may clear things up with the family, but nothing of it may go on meanwhile: every
meeting still ahead is cancelled (with the calendar cancellation where an invite went out), every
pending follow-up of the pair is held (`FollowUpState.HELD`: not acted on, not lost), and the
mentor is told that the pair is on hold, never why, with the meetings that were cancelled. A
mentor's open question about the pair (an offer, a meeting to confirm, was it held) is closed so
that a later "ja" does not act on it. Meetings cannot be proposed or confirmed while on hold.

Lifting the hold (the coordinator on the person's page, or the guardian answering JA) makes the
youth active again, releases the held follow-ups, restarts the pair's no-meeting clock from
today, and tells both sides that they can go on.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.statuses import MatchStatus, PersonStatus
from mentoring import followups, outbound
from mentoring.audit import record
from mentoring.followups.planning import plan_no_meeting_check
from mentoring.meetings import cancel_meeting, open_meetings
from mentoring.pairs import open_match_for
from messaging.render import Renderer
from storage.models import ConversationState, Match, Person, Youth

# A mentor's conversation about the pair that a hold closes (mentoring/prompts.py names them).
PAIR_FLOWS = ("accept_match", "meeting_confirm", "meeting_held", "meeting", "cancel", "hours")


async def hold(
    session: AsyncSession, renderer: Renderer, youth: Person, *, now: datetime, tz: ZoneInfo
) -> Match | None:
    """Put the youth's open pair on hold; the pair, or None when the youth has none."""
    match = await open_match_for(session, youth.id)
    if match is None:
        return None
    cancelled = []
    for meeting in await open_meetings(session, match.id):
        await cancel_meeting(session, meeting.id, None, now=now, tz=tz)
        cancelled.append(meeting.starts_at)
    await followups.hold(session, match.id)
    for person_id in (match.mentor_id, match.youth_id):
        await _close_question(session, person_id, now)
    await outbound.say(
        session,
        renderer,
        match.mentor_id,
        "pair_on_hold_mentor",
        {"partner": youth.first_name or "", "cancelled": cancelled},
    )
    await record(session, "system", "pair.held", "match", match.id, meetings=len(cancelled))
    return match


async def lift(
    session: AsyncSession,
    renderer: Renderer,
    youth: Youth,
    *,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
) -> bool:
    """The objection no longer stands: the youth is active and the pair goes on; False when
    there was no objection to lift (or the youth's data is erased)."""
    person = await session.get(Person, youth.person_id)
    if youth.guardian_objected_at is None or person is None:
        return False
    if person.status == PersonStatus.ERASED:
        return False
    youth.guardian_objected_at = None
    person.status = PersonStatus.ACTIVE
    await record(session, actor, "guardian.objection_lifted", "person", person.id)
    await outbound.say(session, renderer, person.id, "resumed")
    match = await open_match_for(session, person.id)
    if match is None:
        return True
    await followups.release(session, match.id)
    if match.status == MatchStatus.ACTIVE:
        await plan_no_meeting_check(session, match, local_date(now, tz), tz)
    await outbound.say(
        session, renderer, match.mentor_id, "pair_resumed_mentor", {"partner": person.first_name}
    )
    await record(session, actor, "pair.resumed", "match", match.id)
    return True


async def _close_question(session: AsyncSession, person_id: int, now: datetime) -> None:
    state = await session.get(ConversationState, person_id)
    if state is not None and state.flow in PAIR_FLOWS:
        state.flow, state.step, state.data, state.misses = None, None, {}, 0
        state.updated_at = now
