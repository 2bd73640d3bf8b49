"""The consent to share a youth's details with a mentor: separate from the programme's legal
basis and withdrawable (README, "People"). Once withdrawn, no new match can be made; the
withdrawal itself is `mentoring.consent_withdrawal`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.errors import DomainError
from mentoring.people import SHARE_CONSENT
from storage.models import Consent


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
