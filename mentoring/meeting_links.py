"""A meeting confirmed with one click from an e-mail (`/links/confirm/{token}`, web/links.py).

The web layer verifies the signed token; what it may do is decided here: the token's version of
the meeting must still wait for this person, and the token is used once (its digest is an
inbound key of channel "link", recorded in the transaction that confirms).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MeetingStatus
from mentoring.meetings import answer_meeting
from messaging.render import Renderer
from storage.models import InboundKey, Match, Meeting, Person


async def language_of(session: AsyncSession, payload: dict[str, Any]) -> str | None:
    person = await session.get(Person, int(payload["p"]))
    return person.language if person else None


async def used(session: AsyncSession, key: str) -> bool:
    """Whether the token with this digest has confirmed already."""
    found = await session.scalar(
        select(InboundKey.id).where(InboundKey.channel == "link", InboundKey.key == key)
    )
    return found is not None


async def state(
    session: AsyncSession, payload: dict[str, Any], now: datetime
) -> tuple[str, Meeting | None, str]:
    """("ask", meeting, proposer's first name) while the token's version of the meeting waits
    for this person; ("used", ...) once it is confirmed; ("failed", ...) when it moved, passed,
    or was never theirs to confirm."""
    meeting = await session.get(Meeting, int(payload["m"]))
    match = await session.get(Match, meeting.match_id) if meeting else None
    person_id = int(payload["p"])
    if meeting is None or match is None or not match.has(person_id):
        return "failed", None, ""
    if int(payload.get("s", meeting.sequence)) != meeting.sequence:
        return "failed", meeting, ""
    if meeting.status == MeetingStatus.CONFIRMED:
        return "used", meeting, ""
    if meeting.status != MeetingStatus.PROPOSED or meeting.starts_at <= now:
        return "failed", meeting, ""
    if meeting.proposed_by == person_id:
        return "failed", meeting, ""
    other = await session.get(Person, meeting.proposed_by) if meeting.proposed_by else None
    return "ask", meeting, (other.first_name if other else "") or ""


async def confirm(
    session: AsyncSession,
    renderer: Renderer,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    tz: ZoneInfo,
) -> str:
    """Use the token and confirm; returns the state found ("ask" when it confirmed). A second
    use of the same token fails on the inbound key's uniqueness (IntegrityError)."""
    session.add(InboundKey(channel="link", key=key, received_at=now))
    await session.flush()
    found, _, _ = await state(session, payload, now)
    if found == "ask":
        meeting_id, person_id = int(payload["m"]), int(payload["p"])
        await answer_meeting(session, renderer, meeting_id, person_id, True, now=now, tz=tz)
    return found
