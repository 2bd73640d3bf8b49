"""What the development chat simulator (`/dev/chat`, web/dev_chat.py) reads and writes: the demo
people it may speak as, a mentor invitation for a simulated sign-up, and what was sent to a
simulator address (the "web" channel's outbox rows, which the simulator shows as the chat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.programmes import current_programme
from storage.models import ContactPoint, Invitation, OutboxMessage, Person

DEMO_PREFIX = "demo-"  # the demo people's web addresses


@dataclass(frozen=True)
class Shown:
    """One message as the simulator shows it."""

    id: int
    body: str
    options: list[dict[str, Any]]


async def demo_people(session: AsyncSession) -> list[dict[str, str]]:
    """The demo programme's people with a web address: mentors first, then by name."""
    rows = (
        await session.execute(
            select(ContactPoint.address, Person.first_name, Person.role)
            .join(Person, Person.id == ContactPoint.person_id)
            .where(ContactPoint.channel == "web", ContactPoint.address.like(f"{DEMO_PREFIX}%"))
            .order_by(Person.role.desc(), Person.first_name)
        )
    ).all()
    return [{"address": a, "name": n or a, "role": r} for a, n, r in rows]


async def is_demo_address(session: AsyncSession, address: str) -> bool:
    """Only the demo people's web addresses may be spoken as."""
    if not address.startswith(DEMO_PREFIX):
        return False
    found = await session.scalar(
        select(ContactPoint.id).where(
            ContactPoint.channel == "web", ContactPoint.address == address
        )
    )
    return found is not None


async def invite_mentor(session: AsyncSession, code: str, now: datetime, tz: ZoneInfo) -> None:
    """An invitation for a simulated mentor sign-up, in the current programme."""
    programme = await current_programme(session, now.astimezone(tz).date())
    session.add(Invitation(programme_id=programme.id, code=code))


async def sent_to(session: AsyncSession, address: str, after: int, limit: int = 50) -> list[Shown]:
    """Messages queued for a simulator address after the id `after`, oldest first."""
    rows = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "web",
            OutboxMessage.address == address,
            OutboxMessage.id > after,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return [Shown(m.id, m.body or "", list(m.options or [])) for m in rows]
