"""Permission to write to a youth later: the unmatched side of the committee's comparison.

The comparison (storage/attribution.py) measures youths who signed up and were never matched
at the same offset from sign-up as the matched ones. They have no pair and so no outcome
survey, and we may only write to them for that with their own yes: a separate consent
(`contact_later`), asked once by a follow-up 6 weeks after sign-up while they still wait
(mentoring/followups/questions.py says when it still applies), and withdrawable like the others.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.statuses import ConsentKind
from mentoring.followups.planning import plan_unmatched_survey
from mentoring.people import record_consent
from storage.models import Person, Programme

TEXT_VERSION = "2026-12"


async def agree(
    session: AsyncSession, person: Person, channel: str | None, *, now: datetime, tz: ZoneInfo
) -> date:
    """Record the yes and plan the survey; returns the day it will go out."""
    await record_consent(session, person.id, ConsentKind.CONTACT_LATER, TEXT_VERSION, channel)
    programme = await session.get(Programme, person.programme_id)
    assert programme is not None
    signed_up = local_date(person.created_at or now, tz)
    return await plan_unmatched_survey(session, person.id, programme, signed_up, tz)
