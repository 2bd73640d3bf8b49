"""Twilio's delivery news about an SMS we sent (`POST /sms/status`): move the outbox row forward,
put it back for another try, or record what became of the number.

The row only moves forward (sent, then delivered; a late or repeated callback changes nothing).
An unreachable handset (30003/30005/30006) is retried with the dispatcher's backoff, then the
message is dead-lettered and the number marked unreachable; an opted-out (21610) or invalid
(21211, 21614) number is marked so (`mentoring.contacts`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from core.statuses import OutboxStatus
from mentoring import contacts, inbox
from messaging.delivery import RetryPolicy
from storage.db import unit_of_work
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Twilio ErrorCode in a failed/undelivered status callback -> what becomes of the number.
PERMANENT_ERRORS = {
    21610: contacts.State.OPTED_OUT,
    21211: contacts.State.INVALID,
    21614: contacts.State.INVALID,
}
RETRY_ERRORS = frozenset({30003, 30005, 30006})  # unreachable handset: retried, then unreachable
# Status callback -> our status, and the statuses it may replace (never a step back).
STATUS_STEPS: dict[str, tuple[OutboxStatus, tuple[OutboxStatus, ...]]] = {
    "sent": (OutboxStatus.SENT, (OutboxStatus.SENDING,)),
    "delivered": (OutboxStatus.DELIVERED, (OutboxStatus.SENDING, OutboxStatus.SENT)),
    "read": (OutboxStatus.DELIVERED, (OutboxStatus.SENDING, OutboxStatus.SENT)),
}


async def report(
    runtime: Runtime, sid: str, outbox_id: int | None, reported: str, code: int | None
) -> bool:
    """Apply one status callback; True when the message was put back for another try."""
    async with unit_of_work(runtime.sessions) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == "sms")
        if outbox_id is not None:
            query = query.where(OutboxMessage.id == outbox_id)
        else:
            query = query.where(OutboxMessage.provider_id == sid)
        message = await session.scalar(query.with_for_update())
        if message is None or (message.provider_id not in (None, sid)):
            log.info("status for an unknown message", extra={"status": reported})
            return False
        now = runtime.clock()
        if reported in STATUS_STEPS:
            new, allowed_from = STATUS_STEPS[reported]
            if message.status in allowed_from:
                message.status = new
            return False
        if reported not in ("failed", "undelivered", "canceled"):
            return False  # queued, accepted, sending, scheduled: nothing new for us
        if message.status not in (OutboxStatus.SENDING, OutboxStatus.SENT):
            return False  # already delivered, failed or retried: a late or repeated callback
        message.last_error = f"twilio {reported} {code or ''}".strip()
        if code in RETRY_ERRORS:
            policy = RetryPolicy()
            if message.attempts < policy.max_attempts:
                message.status = OutboxStatus.PENDING
                message.next_attempt_at = now + policy.delay(message.attempts, None)
                return True
            message.status = OutboxStatus.DEAD
            await _mark(session, message, contacts.State.UNREACHABLE, now)
            await session.flush()
            await inbox.dead_letters(await session.connection(), [message.id], now)
            return False
        message.status = OutboxStatus.FAILED
        if code in PERMANENT_ERRORS:
            await _mark(session, message, PERMANENT_ERRORS[code], now)
        return False


async def _mark(
    session: AsyncSession, message: OutboxMessage, state: contacts.State, now: datetime
) -> None:
    if message.address is not None:
        await contacts.move_address(session, "sms", message.address, state, message.last_error, now)
