"""The inbound journal as the channels and the conversation workers see it (ARCHITECTURE.md,
"A message in"): record first, answer at once, handle in batches.

A webhook checks the signature, records the raw event (`Recorder.record`, group commit) and
answers; a repeat of a key already recorded is answered and not recorded again. Conversation
workers (bot.inbound) claim batches, handle each event in a savepoint of one transaction and
`finish` the batch in that same transaction, so an event is handled exactly once: its row turns
`done` with what the handling wrote, or not at all. An event that raised MAX_TRIES times is
dead: the coordinator's inbox gets it with the reason (inbox kind `inbound_failed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from mentoring import inbox
from mentoring.people import person_by_contact
from storage import inbound_journal
from storage.inbound_journal import Arrival, Event, Failure

__all__ = ["MAX_TRIES", "Arrival", "Event", "Failure", "Recorder", "claim", "finish", "pending"]

log = logging.getLogger(__name__)
MAX_TRIES = 3  # a raising event is tried this often, the later tries one at a time
# Handled rows (their key only) are kept this long for the de-duplication, then deleted by the
# daily retention job: Twilio retries a webhook within minutes, Telegram keeps an unanswered
# update for at most 24 hours.
KEEP_HANDLED = timedelta(days=7)


class Recorder:
    """The process's group commit into the journal; `recorded(n)` runs after each commit of n
    arrivals (it wakes the workers)."""

    def __init__(self, runtime: Runtime, recorded: Callable[[int], None]) -> None:
        self.runtime = runtime
        self.group = inbound_journal.GroupCommit(runtime.engine, recorded)

    async def record(self, arrival: Arrival) -> None:
        """Returns when the event is committed (or was already): then the webhook may answer."""
        await self.group.record(arrival, self.runtime.clock())

    async def close(self) -> None:
        await self.group.close()


async def claim(session: AsyncSession, limit: int, *, retries: bool = False) -> list[Event]:
    return await inbound_journal.claim(await session.connection(), limit, retries=retries)


async def finish(
    session: AsyncSession,
    runtime: Runtime,
    done: Sequence[int],
    failed: Sequence[Failure],
    *,
    text: Callable[[Event], str | None],
) -> None:
    """Mark the batch; an event failing for the last time goes to the coordinator's inbox with
    its reason and, read by `text`, what the person wrote."""
    now = runtime.clock()
    dead = await inbound_journal.finish(
        await session.connection(), done, failed, now=now, max_tries=MAX_TRIES
    )
    for failure in dead:
        event = failure.event
        log.error(
            "inbound event dead-lettered",
            extra={"event_id": event.id, "channel": event.channel, "reason": failure.reason},
        )
        person = await person_by_contact(session, event.channel, event.address)
        await inbox.inbound_failed(
            session, person, reason=failure.reason, text=text(event), now=now
        )


async def pending(runtime: Runtime) -> int:
    """Events recorded and not handled yet, now."""
    async with runtime.engine.connect() as conn:
        return await inbound_journal.pending(conn)


async def forget_handled(session: AsyncSession, now: datetime) -> int:
    """The retention job's part: journal rows handled (or dead) over KEEP_HANDLED ago deleted, so
    the journal holds about a week of keys instead of every text ever received."""
    return await inbound_journal.forget_handled(await session.connection(), now - KEEP_HANDLED)
