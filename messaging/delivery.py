"""Sending due outbox rows through their channel's sender: one pass, no pacing.

The paced, retrying dispatcher (messaging/dispatcher.py) builds on `send_one`; tests and the
simulator can drain the outbox with `send_due_once`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messaging.senders import PermanentFailure, Sender, TemporaryFailure
from storage.models import ContactPoint, OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    return timedelta(seconds=min(2**attempts, 3600))


async def send_one(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    message: OutboxMessage,
    now: datetime,
) -> str:
    """Send one message and record the result; returns the new status."""
    status, fields = "sent", {}
    try:
        sent = await sender.send(message)
        fields = {"provider_id": sent.provider_id, "sent_at": now}
    except TemporaryFailure as exc:
        attempts = message.attempts + 1
        status = "dead" if attempts >= MAX_ATTEMPTS else "pending"
        fields = {"next_attempt_at": now + backoff(attempts, exc.retry_after)}
        fields["last_error"] = exc.reason[:120]
        log.info("send deferred", extra={"outbox_id": message.id, "reason": exc.reason})
    except PermanentFailure as exc:
        status, fields = "failed", {"last_error": exc.reason[:120]}
        log.info("send failed", extra={"outbox_id": message.id, "reason": exc.reason})
        async with sessions() as session, session.begin():
            await session.execute(
                update(ContactPoint)
                .where(
                    ContactPoint.channel == message.channel,
                    ContactPoint.address == message.address,
                )
                .values(state=exc.state, state_reason=exc.reason[:40], state_changed_at=now)
            )
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status=status, attempts=OutboxMessage.attempts + 1, **fields)
        )
    return status


async def send_due_once(
    sessions: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    now: datetime,
) -> int:
    """Send every pending message that is due, once each. Returns how many were attempted."""
    async with sessions() as session:
        due = list(
            await session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.channel.in_(list(senders)),
                )
                .order_by(OutboxMessage.id)
            )
        )
    for message in due:
        await send_one(sessions, senders[message.channel], message, now)
    return len(due)
