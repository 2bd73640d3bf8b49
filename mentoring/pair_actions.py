"""What a coordinator does to a pair from its page, with the consequences: pause, resume,
extend to a new end date, close (early with a reason, or completed on or after the end date,
by `mentoring.matches.close_match`'s rules). Both people are told in a template message through
`mentoring.outbound.say`, the follow-ups follow, and every action is an audit row.

- Pause: the pair's pending follow-ups are held (`FollowUpState.HELD`, mentoring/followups/rows.py:
  no reminders or nudges) until resumed; meetings already planned stay.
- Resume: held follow-ups are pending again (the sweep drops those no longer meaningful) and the
  no-meeting clock restarts today.
- Extend: a new, later end date; the closure and the outcome survey move with it, while the
  3-month target keeps measuring the original term (`Match.original_ends_on`).
- Close: everything pending stops and the survey is planned (`followups.on_match_closed`);
  "rematch" puts the youth back on the waiting list, keeping their place.
- Re-match after an early end for another reason: the youth waits again (`rematch`).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.statuses import MatchStatus, PersonStatus
from mentoring import followups, outbound
from mentoring.audit import record
from mentoring.errors import DomainError
from mentoring.followups.planning import plan_no_meeting_check
from mentoring.matches import close_match, extend_match, get_match
from mentoring.pairs import open_match_for, partner_name
from messaging.render import Renderer
from storage.models import Match, Person, Youth
from storage.pair_pauses import PAUSED_ACTION, RESUMED_ACTION


async def _tell_both(
    session: AsyncSession, renderer: Renderer, match: Match, template: str, **context: object
) -> None:
    for person_id in (match.youth_id, match.mentor_id):
        partner = await partner_name(session, match, person_id)
        await outbound.say(
            session,
            renderer,
            person_id,
            template,
            {"partner": partner, "youth": person_id == match.youth_id, **context},
        )


async def _running(session: AsyncSession, match_id: int) -> Match:
    match = await get_match(session, match_id)
    if match.status != MatchStatus.ACTIVE:
        raise DomainError("match_not_active")
    return match


async def pause(
    session: AsyncSession, renderer: Renderer, match_id: int, *, now: datetime, actor: str
) -> Match:
    match = await _running(session, match_id)
    if match.paused_at is not None:
        raise DomainError("pair_paused_already")
    match.paused_at = now
    held = await followups.hold(session, match.id)
    await _tell_both(session, renderer, match, "pair_paused")
    await record(session, actor, PAUSED_ACTION, "match", match.id, at=now, followups_held=held)
    return match


async def resume(
    session: AsyncSession,
    renderer: Renderer,
    match_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
) -> Match:
    match = await _running(session, match_id)
    if match.paused_at is None:
        raise DomainError("pair_not_paused")
    match.paused_at = None
    released = await followups.release(session, match.id)
    await plan_no_meeting_check(session, match, local_date(now, tz), tz)
    await _tell_both(session, renderer, match, "pair_resumed")
    await record(
        session, actor, RESUMED_ACTION, "match", match.id, at=now, followups_released=released
    )
    return match


async def extend_to(
    session: AsyncSession,
    renderer: Renderer,
    match_id: int,
    ends_on: date,
    *,
    today: date,
    tz: ZoneInfo,
    actor: str,
) -> Match:
    """A later end date (after the current one and after today)."""
    match = await _running(session, match_id)
    if match.ends_on is None or ends_on <= max(match.ends_on, today):
        raise DomainError("pair_end_not_later", ends_on=match.ends_on)
    match = await extend_match(session, match.id, until=ends_on, tz=tz)
    await _tell_both(session, renderer, match, "pair_extended", ends_on=ends_on)
    await record(
        session, actor, "match_extended", "match", match.id, ends_on=str(ends_on),
        term_ends_on=str(match.original_ends_on),
    )  # fmt: skip
    return match


async def close(
    session: AsyncSession,
    renderer: Renderer,
    match_id: int,
    reason: str,
    *,
    now: datetime,
    today: date,
    tz: ZoneInfo,
    actor: str,
) -> Match:
    match = await close_match(session, match_id, reason, now=now, today=today, tz=tz)
    await _tell_both(
        session,
        renderer,
        match,
        "pair_closed",
        completed=match.status == MatchStatus.COMPLETED,
        rematch=reason == "rematch",
    )
    await record(session, actor, "match_closed", "match", match.id, reason=match.end_reason)
    return match


async def rematch(session: AsyncSession, match_id: int, *, now: datetime, actor: str) -> int:
    """After an early end, the youth waits for a new mentor again (their place in the queue is
    the end of the pair); the youth's id, for the matching page."""
    match = await get_match(session, match_id)
    if match.status != MatchStatus.ENDED_EARLY:
        raise DomainError("match_not_ended_early")
    youth = await session.get(Youth, match.youth_id)
    person = await session.get(Person, match.youth_id)
    if youth is None or person is None or person.status != PersonStatus.ACTIVE:
        raise DomainError("person_not_active")
    if await open_match_for(session, match.youth_id) is not None:
        raise DomainError("youth_already_matched")
    if youth.waiting_since is None:
        youth.waiting_since = match.ended_at or now
    await record(session, actor, "youth.rematch", "person", youth.person_id, after=match.id)
    return youth.person_id
