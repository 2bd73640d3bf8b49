"""Telling a person something: pick their channel, render in their language, queue in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.outbox import enqueue
from messaging.render import Renderer
from storage.models import ContactPoint, OutboxMessage, Person

# Preferred order when a person can be reached several ways.
CHANNEL_PREFERENCE = ("telegram", "sms", "web", "email")


async def reachable_contact(session: AsyncSession, person_id: int) -> ContactPoint | None:
    points = list(
        await session.scalars(
            select(ContactPoint).where(
                ContactPoint.person_id == person_id, ContactPoint.state == "ok"
            )
        )
    )
    points.sort(key=lambda p: CHANNEL_PREFERENCE.index(p.channel))
    return points[0] if points else None


async def notify(
    session: AsyncSession,
    renderer: Renderer,
    person_id: int,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    options: list[dict[str, Any]] | None = None,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    awaiting_reply: bool = False,
) -> OutboxMessage | None:
    """Queue `templates/messages/<template>.j2` for a person; None if they cannot be reached."""
    person = await session.get(Person, person_id)
    if person is None or person.status in ("paused", "erased"):
        return None
    point = await reachable_contact(session, person_id)
    if point is None:
        return None
    body = renderer.message(
        template, person.language, point.channel, person=person, **(context or {})
    )
    return await enqueue(
        session,
        channel=point.channel,
        address=point.address,
        template=template,
        body=body,
        person_id=person_id,
        options=options,
        not_before=not_before,
        dedupe_key=dedupe_key,
        awaiting_reply=awaiting_reply,
    )
