"""Withdrawing the consent to share details with a mentor (denmark.md §1: separate, withdrawable).

Withdrawal is recorded on the consent row (the version the person saw stays), a proposed match the
mentor has not yet accepted is closed so the mentor is not shown the youth's details, no new match
can be made, and the coordinator gets an inbox item to decide what happens to an active pair.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import matches
from mentoring.audit import record
from mentoring.errors import DomainError
from mentoring.people import SHARE_CONSENT
from storage.models import Consent, InboxItem, Person


async def share_withdrawn(session: AsyncSession, person_id: int) -> bool:
    """True when the person once gave the share consent and has no live one left."""
    rows = list(
        await session.scalars(
            select(Consent.withdrawn_at).where(
                Consent.person_id == person_id, Consent.kind == SHARE_CONSENT
            )
        )
    )
    return bool(rows) and all(withdrawn is not None for withdrawn in rows)


async def require_share_consent(session: AsyncSession, person_id: int) -> None:
    """Refuse to pass a youth's details to a mentor after the consent was withdrawn."""
    if await share_withdrawn(session, person_id):
        raise DomainError("consent_withdrawn")


async def withdraw_share(session: AsyncSession, person_id: int, *, now: datetime) -> bool:
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
    match = await matches.open_match_for(session, person_id)
    if match is not None and match.status == "proposed":
        await matches.close_match(session, match.id, "youth_stopped", now=now, today=now.date())
    if person is not None:
        session.add(
            InboxItem(
                programme_id=person.programme_id,
                person_id=person_id,
                match_id=match.id if match is not None else None,
                kind="consent_withdrawn",
                created_at=now,
            )
        )
    await record(session, f"person:{person_id}", "consent.withdrawn", "person", person_id,
                 kind=SHARE_CONSENT)  # fmt: skip
    return True
