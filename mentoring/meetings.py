"""Meetings: one side proposes, the other confirms; rescheduling and cancelling; held or not."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import PLANNED, SENT, UPCOMING, MatchStatus, MeetingStatus, PersonStatus
from mentoring import followups, outbound
from mentoring.errors import DomainError, NotFound
from mentoring.matches import get_match
from messaging.ical import cancel_key, invite_prefix
from messaging.render import Renderer
from storage.models import ConversationState, Match, Meeting, OutboxMessage, Person, Youth

MAX_AHEAD = timedelta(days=120)


def _check_time(starts_at: datetime, now: datetime) -> None:
    if starts_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if starts_at <= now:
        raise DomainError("meeting_in_past")
    if starts_at > now + MAX_AHEAD:
        raise DomainError("meeting_too_far_ahead")


def _party(match: Match, person_id: int) -> None:
    if not match.has(person_id):
        raise DomainError("not_your_match")


async def refuse_if_on_hold(session: AsyncSession, match: Match) -> None:
    """A pair whose youth's parent or guardian objected is on hold (mentoring/pair_hold.py):
    nothing new is planned until the coordinator lifts it."""
    youth = await session.get(Youth, match.youth_id)
    if youth is not None and youth.guardian_objected_at is not None:
        raise DomainError("pair_on_hold")


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting", meeting_id)
    return meeting


async def propose_meeting(
    session: AsyncSession,
    match_id: int,
    proposed_by: int,
    starts_at: datetime,
    place: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> Meeting:
    match = await get_match(session, match_id)
    if match.status != MatchStatus.ACTIVE:
        raise DomainError("match_not_active")
    _party(match, proposed_by)
    await refuse_if_on_hold(session, match)
    _check_time(starts_at, now)
    meeting = Meeting(
        match_id=match_id,
        starts_at=starts_at,
        place=(place or None),
        status=MeetingStatus.PROPOSED,
        proposed_by=proposed_by,
        proposed_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    return meeting


async def confirm_meeting(
    session: AsyncSession, meeting_id: int, confirmed_by: int, *, now: datetime, tz: ZoneInfo
) -> Meeting:
    """The other side says yes. Confirming your own proposal does not count."""
    meeting = await get_meeting(session, meeting_id)
    match = await get_match(session, meeting.match_id)
    _party(match, confirmed_by)
    await refuse_if_on_hold(session, match)
    if meeting.status == MeetingStatus.CONFIRMED:
        return meeting
    if meeting.status != MeetingStatus.PROPOSED:
        raise DomainError("meeting_not_proposed")
    if meeting.proposed_by == confirmed_by:
        raise DomainError("cannot_confirm_own_proposal")
    if meeting.starts_at <= now:
        raise DomainError("meeting_in_past")
    meeting.status, meeting.confirmed_by, meeting.confirmed_at = (
        MeetingStatus.CONFIRMED,
        confirmed_by,
        now,
    )
    meeting.updated_at = now
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    return meeting


async def decline_meeting(
    session: AsyncSession, meeting_id: int, declined_by: int, *, now: datetime, tz: ZoneInfo
) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    _party(await get_match(session, meeting.match_id), declined_by)
    if meeting.status != MeetingStatus.PROPOSED:
        raise DomainError("meeting_not_proposed")
    meeting.status, meeting.updated_at = MeetingStatus.DECLINED, now
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    return meeting


async def reschedule_meeting(
    session: AsyncSession,
    meeting_id: int,
    by: int,
    starts_at: datetime,
    place: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> Meeting:
    """A new time for the same meeting: it needs confirming again by the other side."""
    meeting = await get_meeting(session, meeting_id)
    _party(await get_match(session, meeting.match_id), by)
    if meeting.status not in UPCOMING:
        raise DomainError("meeting_not_open")
    _check_time(starts_at, now)
    meeting.starts_at, meeting.place = starts_at, (place or meeting.place)
    meeting.status, meeting.proposed_by, meeting.proposed_at = MeetingStatus.PROPOSED, by, now
    meeting.confirmed_by = meeting.confirmed_at = None
    meeting.sequence += 1
    meeting.updated_at = now
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    return meeting


async def cancel_meeting(
    session: AsyncSession, meeting_id: int, by: int | None, *, now: datetime, tz: ZoneInfo
) -> Meeting:
    meeting = await get_meeting(session, meeting_id)
    if by is not None:
        _party(await get_match(session, meeting.match_id), by)
    if meeting.status not in UPCOMING:
        raise DomainError("meeting_not_open")
    meeting.status, meeting.updated_at = MeetingStatus.CANCELLED, now
    meeting.sequence += 1
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    await _withdraw_invites(session, meeting)
    return meeting


async def _withdraw_invites(session: AsyncSession, meeting: Meeting) -> None:
    """Everyone whose calendar got this meeting's invite by e-mail gets a METHOD:CANCEL for it
    (the e-mail sender builds it from the row's key: same UID, the raised SEQUENCE)."""
    rows = await session.execute(
        select(OutboxMessage.person_id, OutboxMessage.address)
        .where(
            OutboxMessage.channel == "email",
            OutboxMessage.provider_id.startswith(invite_prefix(meeting.id), autoescape=True),
            OutboxMessage.status.in_(SENT),
        )
        .order_by(OutboxMessage.id)
    )
    invited = {person_id: address for person_id, address in rows.all() if person_id and address}
    for person_id, address in invited.items():  # the address of each person's latest invite
        person = await session.get(Person, person_id)
        if person is None or person.status == PersonStatus.ERASED:
            continue
        await outbound.composed_by_channel(
            session,
            channel="email",
            address=address,
            template="meeting_invite_cancelled",
            person_id=person.id,
            dedupe_key=cancel_key(meeting.id, meeting.sequence, person.id),
        )


async def answer_meeting(
    session: AsyncSession,
    renderer: Renderer,
    meeting_id: int,
    person_id: int,
    yes: bool,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> Meeting:
    """A yes or no given outside the chat (an e-mail reply, the one-click link): as the chat flow
    does, the person's open question about it ends and the other side is told."""
    if yes:
        meeting = await confirm_meeting(session, meeting_id, person_id, now=now, tz=tz)
    else:
        meeting = await decline_meeting(session, meeting_id, person_id, now=now, tz=tz)
    state = await session.get(ConversationState, person_id)
    asked = state is not None and state.flow == "meeting_confirm"
    if state is not None and asked and int(state.data.get("meeting_id", 0)) == meeting.id:
        state.flow, state.step, state.data, state.misses = None, None, {}, 0
        state.updated_at = now
    match = await get_match(session, meeting.match_id)
    other = match.other(person_id)
    person = await session.get(Person, person_id)
    context = {
        "partner": (person.first_name if person else "") or "",
        "at": meeting.starts_at,
        "place": meeting.place,
    }
    await outbound.say(
        session, renderer, other, "meeting_confirmed" if yes else "meeting_declined", context
    )
    return meeting


async def mark_held(
    session: AsyncSession, meeting_id: int, held: bool, *, now: datetime, tz: ZoneInfo
) -> Meeting:
    """After the time has passed: held, or a no-show."""
    meeting = await get_meeting(session, meeting_id)
    if meeting.starts_at > now:
        raise DomainError("meeting_not_yet")
    if meeting.status not in (*PLANNED, MeetingStatus.NO_SHOW):
        raise DomainError("meeting_not_open")
    meeting.status = MeetingStatus.HELD if held else MeetingStatus.NO_SHOW
    meeting.updated_at = now
    await followups.on_meeting_changed(session, meeting, now, tz=tz)
    return meeting


async def meeting_count(session: AsyncSession, match_id: int) -> int:
    """Every meeting the pair has put in, in any status (what "my data" shows as meetings)."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Meeting).where(Meeting.match_id == match_id)
        )
        or 0
    )


async def open_meetings(session: AsyncSession, match_id: int) -> list[Meeting]:
    rows = await session.scalars(
        select(Meeting)
        .where(Meeting.match_id == match_id, Meeting.status.in_(UPCOMING))
        .order_by(Meeting.starts_at)
    )
    return list(rows)
