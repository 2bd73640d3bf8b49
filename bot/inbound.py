"""Conversation workers: the inbound journal (mentoring.journal) handled in batches.

A worker claims a batch (one event per sender, oldest first), runs each event through its
channel's handler in a savepoint of one transaction, and marks the batch done in that same
transaction, with the replies and follow-up changes the events caused. An event that raises is
rolled back alone (its savepoint), the rest of the batch is kept; the event is tried again later
in a transaction of its own, and after mentoring.journal.MAX_TRIES it is dead-lettered to the
coordinator's inbox. A batch stops taking events after `budget` seconds, so that on SQLite (one
connection) the webhooks' group commit waits at most about that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import handle
from bot.events import Incoming
from core.runtime import Runtime
from mentoring import journal
from mentoring.journal import Event, Failure

log = logging.getLogger(__name__)
BATCH = 100  # events a batch claims at most
POLL_SECONDS = 0.5  # events recorded by another process are found this late at most
# Events this process recorded and its workers have not handled yet, at most: beyond it the
# webhooks wait for room (backpressure), so that a flood of requests cannot starve the workers
# and the outbox dispatcher of the event loop and the database while the backlog grows. Below it
# the journal absorbs a burst and the webhooks answer at recording speed (with 500 they waited
# for handling under wrk's c=50: p99 340 ms instead of about 100); 5,000 texts is some 10-20 s of
# handling at the rates in the README's Performance section.
BACKLOG = 5000


@dataclass(frozen=True)
class Channel:
    """How a worker handles a channel's journal rows, and what the person wrote (for the inbox
    item of a dead-lettered one)."""

    handle: Callable[[AsyncSession, Runtime, Event], Awaitable[None]]
    text: Callable[[Event], str | None]


def _digits(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


async def _handle_sms(session: AsyncSession, runtime: Runtime, event: Event) -> None:
    form = event.payload
    media = _digits(str(form.get("NumMedia", ""))) > 0
    incoming = Incoming(
        channel="sms", address=event.address, text=str(form.get("Body", "")), media=media
    )
    await handle(session, runtime, incoming)


SMS = Channel(_handle_sms, lambda event: event.payload.get("Body"))


def reason(exc: BaseException) -> str:
    """What went wrong, for the inbox: the error's kind and its first line (no parameters)."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"[:200]


class Workers:
    """`count` worker tasks of this process; `wake()` after recording, `stop()` at shutdown."""

    def __init__(
        self,
        runtime: Runtime,
        channels: dict[str, Channel],
        handled: Callable[[], None],
        *,
        count: int | None = None,
        budget: float | None = None,
        backlog: int = BACKLOG,
    ) -> None:
        sqlite = runtime.engine.dialect.name == "sqlite"
        self.runtime, self.channels, self.handled = runtime, channels, handled
        self.count = count or (1 if sqlite else 2)  # SQLite has one connection a process
        self.budget = budget if budget is not None else (0.02 if sqlite else 0.2)
        self.wakeup = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.stopping = False
        self.retry_due = True  # events that raised in an earlier run may be waiting
        self.backlog, self.most = 0, backlog
        self.room = asyncio.Condition()

    def recorded(self, count: int) -> None:
        """The webhooks committed `count` events: to work."""
        self.backlog += count
        self.wakeup.set()

    def wake(self) -> None:
        self.wakeup.set()

    async def admit(self) -> None:
        """Return when the backlog has room for one more event (at once, but under overload)."""
        if self.backlog < self.most:
            return
        async with self.room:
            await self.room.wait_for(lambda: self.backlog < self.most or self.stopping)

    async def _handled(self, count: int) -> None:
        self.backlog = max(0, self.backlog - count)
        async with self.room:
            self.room.notify_all()

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._loop()) for _ in range(self.count)]

    async def stop(self, seconds: float = 10.0) -> None:
        """Let the batches in hand finish (their events are done, or else still pending)."""
        self.stopping = True
        self.wake()
        async with self.room:
            self.room.notify_all()
        _, late = await asyncio.wait(self.tasks, timeout=seconds) if self.tasks else ((), ())
        for task in late:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _loop(self) -> None:
        while not self.stopping:
            self.wakeup.clear()
            try:
                handled = await self.one_pass()
            except Exception:
                log.exception("inbound batch failed; trying again shortly")
                handled = 0
            if not handled:
                # Nothing to claim: what the count still holds were repeats, or handled by
                # another process.
                await self._handled(self.backlog)
            if not handled and not self.stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), POLL_SECONDS)

    async def one_pass(self) -> int:
        """One batch of new events, then, when one raised lately or there was nothing new, one
        event that raised before (alone): how many were handled or failed."""
        count = await self.batch(BATCH, retries=False)
        if self.retry_due or not count:
            self.retry_due = False
            count += await self.batch(1, retries=True)
        return count

    async def batch(self, limit: int, *, retries: bool) -> int:
        async def attempt() -> int:
            async with self.runtime.transaction() as session:
                events = await journal.claim(session, limit, retries=retries)
                done, failed = await self._handle(session, events)
                await journal.finish(session, self.runtime, done, failed, text=self._text)
                return len(done) + len(failed)

        count = await self.runtime.retrying(attempt)
        if count:
            self.handled()
            await self._handled(count)
        return count

    async def _handle(
        self, session: AsyncSession, events: list[Event]
    ) -> tuple[list[int], list[Failure]]:
        done: list[int] = []
        failed: list[Failure] = []
        deadline = time.perf_counter() + self.budget
        for event in events:
            if (done or failed) and time.perf_counter() > deadline:
                break  # the rest stays pending for the next batch
            try:
                async with session.begin_nested():
                    await self.channels[event.channel].handle(session, self.runtime, event)
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    raise  # the whole batch again, on a fresh connection
                failed.append(self._failed(event, exc))
            except Exception as exc:
                failed.append(self._failed(event, exc))
            else:
                done.append(event.id)
        return done, failed

    def _failed(self, event: Event, exc: Exception) -> Failure:
        self.retry_due = True
        log.warning(
            "inbound event raised",
            exc_info=exc,
            extra={"event_id": event.id, "channel": event.channel, "tries": event.tries + 1},
        )
        return Failure(event, reason(exc))

    def _text(self, event: Event) -> str | None:
        channel = self.channels.get(event.channel)
        return channel.text(event) if channel is not None else None
