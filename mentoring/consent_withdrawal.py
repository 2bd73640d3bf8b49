"""Withdrawing the consent to share details with a mentor (README, "People").

Withdrawal is recorded on the consent row (the version the person saw stays), a proposed match the
mentor has not yet accepted is closed so the mentor is not shown the youth's details, no new match
can be made (`mentoring.consent`), and the coordinator gets an inbox item to decide what happens to
an active pair.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import local_date
from core.statuses import MatchStatus
from mentoring import inbox, matches
from mentoring.audit import record
from mentoring.pairs import open_match_for
from mentoring.people import SHARE_CONSENT
from storage.models import Consent, Person


async def withdraw_share(
    session: AsyncSession, person_id: int, *, now: datetime, tz: ZoneInfo
) -> bool:
    """Withdraw the share-with-mentor consent; False when there was none to withdraw."""
    live = list(
        await session.scalars(
            select(Consent).where(
                Consent.person_id == person_id,
                Consent.kind == SHARE_CONSENT,
                Consent.withdrawn_at.is_(None),
            )
        )
    )
    if not live:
        return False
    for consent in live:
        consent.withdrawn_at = now
    person = await session.get(Person, person_id)
    match = await open_match_for(session, person_id)
    if match is not None and match.status == MatchStatus.PROPOSED:
        await matches.close_match(
            session, match.id, "youth_stopped", now=now, today=local_date(now, tz), tz=tz
        )
    if person is not None:
        await inbox.put(session, person, inbox.Kind.CONSENT_WITHDRAWN, now=now, match=match)
    await record(session, f"person:{person_id}", "consent.withdrawn", "person", person_id,
                 kind=SHARE_CONSENT)  # fmt: skip
    return True
