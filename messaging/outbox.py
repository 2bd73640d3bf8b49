"""The transactional outbox: a message row is written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


async def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    address: str | None,
    template: str,
    body: str,
    person_id: int | None = None,
    options: list[dict[str, Any]] | None = None,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    awaiting_reply: bool = False,
) -> OutboxMessage:
    message = OutboxMessage(
        person_id=person_id,
        channel=channel,
        address=address,
        template=template,
        body=body,
        options=options or [],
        dedupe_key=dedupe_key,
        awaiting_reply=awaiting_reply,
    )
    if not_before is not None:
        message.next_attempt_at = not_before
    session.add(message)
    return message
