"""The outbox dispatcher: a long-running task that sends due outbox rows, paced per channel.

- Claims due rows in batches (messaging.delivery.claim: FOR UPDATE SKIP LOCKED on PostgreSQL,
  a lease so a crashed process's rows are taken again), so several dispatchers share one outbox.
  The next batch is claimed while the current one is sending, so no send slot waits on the
  database; at most two batches are in hand, each sized to go out within half a lease.
- Paces each channel on a fixed grid of send slots (`Pacer`): an overall rate and a minimum gap
  per address (Telegram: ~30/s overall, 1/s per chat; SMS: TWILIO_MESSAGES_PER_SECOND), a little
  under the provider's limit. A 429's retry_after holds the whole channel.
- Retries temporary failures with backoff, dead-letters after the policy, marks contact points
  on permanent failures, never sends to a contact that is not "ok" or a paused person.
- Records outcomes off the sending path with group commit: one transaction per group (every
  `flush_interval`, or as soon as half a channel's window is waiting), one group committing while
  the next fills, on a connection of the dispatcher's own (`Runtime.separate_sessions`), so a
  commit never queues behind the web requests' transactions.

Crash safety: a message can only be sent twice if its request started but its outcome was not
yet committed when the process died. Each channel has a send window (`window`, 24): a request
starts only when it takes a place in it, and the place is freed only when the outcome is
committed. So at most `window` messages per channel can go out twice after a kill -9, however
slow the database is at that moment (a slow commit pauses sending instead of widening the gap);
in practice the few sent in the last `flush_interval` (100 ms) and the commit after it.

Run it inside the web app (web/app.py starts it) or alone: `mentorbot dispatch`; what its
outcomes mean for people (contact states, dead letters in the coordinator's inbox) is passed
in as `DeliveryNews` (mentoring.delivery_news).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from core.clock import Clock, system_clock
from core.statuses import QUEUED, OutboxStatus
from messaging.delivery import (
    LEASE,
    DeliveryNews,
    Outcome,
    RetryPolicy,
    attempt,
    claim,
    outbox,
    record,
    refusals,
    screen,
)
from messaging.render import Renderer
from messaging.senders import Sender
from settings import Settings
from storage.models import OutboxMessage
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pacing:
    rate: float  # the provider's limit: messages per second over the whole channel
    per_address_gap: float = 0.0  # seconds between two messages to the same chat or number
    # Pace this fraction under the limit, so that jitter on the way to the provider never puts
    # one request too many into one of its one-second windows (each 429 costs retry_after).
    headroom: float = 0.03


def default_pacing(settings: Settings) -> dict[str, Pacing]:
    return {
        "telegram": Pacing(rate=30.0, per_address_gap=1.0),
        "sms": Pacing(rate=settings.twilio_messages_per_second),
        "email": Pacing(rate=10.0),
        "web": Pacing(rate=1000.0),
    }


class Pacer:
    """Hands out send slots: `reserve` says how long to wait before sending to an address.

    The slots lie on a fixed grid of the monotonic clock, `(1 + headroom) / rate` apart, so a slot
    used a little late (a busy event loop, a database round trip) does not push the later ones
    back: the rate holds over a run instead of drifting down. Up to `slack` (a third of the
    headroom, in seconds) behind is caught up; a longer stall is written off, never made good with
    a burst. Any `rate` consecutive slots therefore span at least `1 + 2 * headroom / 3` seconds.
    """

    def __init__(self, pacing: Pacing, monotonic: Callable[[], float] = time.monotonic) -> None:
        stretch = 1.0 + pacing.headroom
        self.interval = stretch / pacing.rate
        self.gap = pacing.per_address_gap * stretch
        self.slack = pacing.headroom / 3
        self.monotonic = monotonic
        self.next_slot = 0.0
        self.last_by_address: dict[str, float] = {}

    def reserve(self, address: str | None) -> float:
        now = self.monotonic()
        slot = max(self.next_slot, now - self.slack)
        if self.gap and address is not None:
            last = self.last_by_address.get(address)
            if last is not None:
                slot = max(slot, last + self.gap)
            self.last_by_address[address] = slot
            if len(self.last_by_address) > 10_000:
                self._forget(now)
        self.next_slot = slot + self.interval
        return max(0.0, slot - now)

    def hold(self, seconds: float) -> None:
        """The provider asked us to slow down (429 retry_after): nothing goes before then."""
        self.next_slot = max(self.next_slot, self.monotonic() + seconds)

    def _forget(self, now: float) -> None:
        self.last_by_address = {a: t for a, t in self.last_by_address.items() if t + self.gap > now}


@dataclass
class DispatcherConfig:
    pacing: dict[str, Pacing]
    lease: timedelta = LEASE
    batch_max: int = 200
    # Per channel: requests started whose outcome is not yet committed (so also the most in
    # flight). Telegram at 30/s with ~0.5 s round trips keeps ~15 in flight, plus ~5 waiting for
    # their group commit; it is also the most one channel can send twice after a kill -9.
    window: int = 24
    flush_interval: float = 0.1
    poll_interval: float = 1.0
    send_timeout: float = 30.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def batch_size(self, channel: str) -> int:
        """No more than can be sent in half a lease: with the next batch claimed while this one
        sends, a claimed row never outlives its lease."""
        rate = self.pacing.get(channel, Pacing(rate=1.0)).rate
        return max(1, min(self.batch_max, int(rate * self.lease.total_seconds() / 2)))


@dataclass(frozen=True)
class Batch:
    """Rows claimed together: those that may go, and whether the claim was full (more due)."""

    claimed_at: datetime
    messages: list[OutboxMessage]
    full: bool


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        config: DispatcherConfig,
        news: DeliveryNews,
        clock: Clock = system_clock,
    ) -> None:
        self.sessions = sessions
        self.news = news
        self.senders = dict(senders)
        self.config = config
        self.clock = clock
        self.pacers = {ch: Pacer(config.pacing.get(ch, Pacing(rate=1.0))) for ch in self.senders}
        self._wake = {ch: asyncio.Event() for ch in self.senders}
        self._windows = {ch: asyncio.Semaphore(config.window) for ch in self.senders}
        # Outcomes waiting for their group commit; the channel when the outcome holds a place
        # in that channel's window (a sent or tried message), None for a row given back unsent.
        self._buffer: list[tuple[Outcome, str | None]] = []
        self._flush_now = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._sending_done = asyncio.Event()  # the channel loops and their requests are over
        # One write transaction at a time from this dispatcher: on SQLite a claim and a group
        # commit side by side would wait for each other in the busy handler's coarse sleeps.
        self._write_lock = asyncio.Lock()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.sent = 0

    def now(self) -> datetime:
        """The clock, but never behind the wall clock that stamped new rows as due."""
        return max(self.clock(), utcnow())

    def wake(self) -> None:
        """Something was just committed to the outbox: look now instead of at the next poll."""
        for event in self._wake.values():
            event.set()

    def start(self) -> None:
        if self.senders and self._task is None:
            self._task = asyncio.create_task(self.run(), name="outbox-dispatcher")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish what is in hand and stop at the next wait; cancel only after `grace` seconds.

        Cancelling a task inside a database transaction leaves its connection to be torn down
        by the pool, which can stall; stopping between transactions avoids that.
        """
        if self._task is None:
            return
        self._stopping.set()
        self.wake()
        self._flush_now.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def run(self, until_empty: bool = False) -> None:
        """Send until cancelled (or, with `until_empty`, until no row is pending or sending)."""
        loops = [asyncio.create_task(self._channel_loop(ch)) for ch in self.senders]
        flusher = asyncio.create_task(self._flusher())
        try:
            if until_empty:
                await self._until_empty()
                self._stopping.set()
                self.wake()
            await asyncio.gather(*loops)
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            self._stopping.set()
            self._sending_done.set()
            self._flush_now.set()
            await asyncio.gather(flusher, return_exceptions=True)
            await self._flush()

    async def _until_empty(self) -> None:
        while True:
            if not self._in_flight and not self._buffer and await self.backlog() == 0:
                return
            await asyncio.sleep(0.05)

    async def backlog(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.status.in_(QUEUED))
            )
        return int(count or 0)

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_lock, self.sessions() as session, session.begin():
            yield await session.connection()

    async def _channel_loop(self, channel: str) -> None:
        """Claim and send batch after batch; claim the next while one is sending if it was full."""
        ahead: asyncio.Task[Batch] | None = None
        try:
            while not self._stopping.is_set():
                try:
                    batch: Batch | None = await (ahead or self._claim(channel))
                except (SQLAlchemyError, OSError):
                    log.exception("outbox claim failed", extra={"channel": channel})
                    batch = None
                ahead = None
                if batch is not None and batch.full and not self._stopping.is_set():
                    ahead = asyncio.create_task(self._claim(channel))
                if batch is not None:
                    await self._send_batch(channel, batch)
                if ahead is None and not self._stopping.is_set():
                    event = self._wake[channel]
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), self.config.poll_interval)
                    event.clear()
        finally:
            if ahead is not None:  # claimed for a next round that will not come: give it back
                with contextlib.suppress(SQLAlchemyError, OSError):
                    batch = await ahead
                    for message in batch.messages:
                        self._give_back(message, batch.claimed_at)

    async def _claim(self, channel: str) -> Batch:
        limit = self.config.batch_size(channel)
        now = self.now()
        async with self._transaction() as conn:
            claimed = await claim(conn, [channel], now, limit, self.config.lease)
            refused = await screen(conn, claimed)
            await record(conn, refusals(refused, claimed), now, self.news)
        allowed = [m for m in claimed if m.id not in refused]
        return Batch(now, allowed, full=len(claimed) >= limit)

    async def _send_batch(self, channel: str, batch: Batch) -> None:
        """Start sending each message of the batch in its slot."""
        pacer, sender = self.pacers[channel], self.senders[channel]
        horizon = self.config.lease.total_seconds() / 2
        for message in batch.messages:
            if self._stopping.is_set():  # give the rest back for the next process
                self._give_back(message, batch.claimed_at)
                continue
            # The place first, then the slot: a wait for a place must not push a send past the
            # slot it reserved (two sends closer than the pace: a 429).
            await self._take_place(channel)
            delay = pacer.reserve(message.address)
            if delay > horizon:  # e.g. many to one chat: give it back rather than hold the lease
                self._windows[channel].release()
                self._give_back(message, self.now() + timedelta(seconds=delay))
                continue
            if delay > 0:
                await self._pause(delay)
            if self._stopping.is_set() or self.now() - batch.claimed_at > self.config.lease * 0.75:
                self._windows[channel].release()  # stopping, or the lease is nearly over
                self._give_back(message, batch.claimed_at)
                continue
            task = asyncio.create_task(self._deliver(channel, sender, pacer, message))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _pause(self, seconds: float) -> None:
        """Wait for a slot; a long wait ends on stop (a plain sleep costs less per message)."""
        if seconds < 1.0:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _take_place(self, channel: str) -> None:
        """A place in the channel's send window; a full window is committed at once to free it
        (the bound on what a crash can send twice: ARCHITECTURE.md, "A message out")."""
        window = self._windows[channel]
        if window.locked():
            self._flush_now.set()
        await window.acquire()

    async def _deliver(
        self, channel: str, sender: Sender, pacer: Pacer, message: OutboxMessage
    ) -> None:
        """Send one message; its window place is freed when its outcome is committed."""
        recorded = False
        try:
            outcome = await attempt(
                sender, message, self.now(), self.config.policy, self.config.send_timeout
            )
            if outcome.retry_after:
                pacer.hold(outcome.retry_after)
            if outcome.status == OutboxStatus.SENT:
                self.sent += 1
            self._add(outcome, channel)
            recorded = True
        finally:
            if not recorded:
                self._windows[channel].release()

    def _give_back(self, message: OutboxMessage, due: datetime) -> None:
        """Unsent and untried: pending again from `due`, its attempts unchanged."""
        self._add(Outcome(message.id, "pending", message.attempts, next_attempt_at=due), None)

    def _add(self, outcome: Outcome, channel: str | None) -> None:
        self._buffer.append((outcome, channel))
        if len(self._buffer) >= self.config.window // 2:
            self._flush_now.set()

    async def _flusher(self) -> None:
        while not self._sending_done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_now.wait(), self.config.flush_interval)
            self._flush_now.clear()
            await self._flush()

    async def _flush(self) -> None:
        async with self._flush_lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                async with self._transaction() as conn:
                    await record(conn, [outcome for outcome, _ in batch], self.now(), self.news)
            except (SQLAlchemyError, OSError):
                log.exception("outbox outcomes not recorded; retrying", extra={"n": len(batch)})
                self._buffer[:0] = batch
                await asyncio.sleep(self.config.flush_interval)
                return
            for _, channel in batch:
                if channel is not None:
                    self._windows[channel].release()


async def open_senders(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    renderer: Renderer,
    clock: Clock = system_clock,
) -> tuple[dict[str, Sender], list[Callable[[], object]]]:
    """The senders this configuration enables, and how to close them.

    E-mail is always on (without SMTP_HOST it writes .eml files); the simulator's "web" channel
    only in development; SMS and Telegram when their credentials are set.
    """
    from messaging.email import Mailer
    from messaging.email_sender import EmailSender

    senders: dict[str, Sender] = {
        "email": EmailSender(settings, sessions, renderer, Mailer(settings), clock)
    }
    closers: list[Callable[[], object]] = []
    if not settings.is_production:
        from messaging.web_channel import WebSender

        senders["web"] = WebSender()
    if settings.sms_enabled:
        from messaging.sms import TwilioSender

        twilio = await TwilioSender.open(settings)
        senders["sms"] = twilio
        closers.append(twilio.close)
    if settings.telegram_enabled:
        from messaging.telegram import TelegramSender, build_bot

        bot = build_bot(settings)
        senders["telegram"] = TelegramSender(bot)
        closers.append(bot.session.close)
    return senders, closers


async def close_senders(closers: list[Callable[[], object]]) -> None:
    for close in closers:
        result = close()
        if asyncio.iscoroutine(result):
            await result


@contextlib.asynccontextmanager
async def running(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    renderer: Renderer,
    news: DeliveryNews,
    clock: Clock = system_clock,
    config: DispatcherConfig | None = None,
) -> AsyncIterator[Dispatcher]:
    """A started dispatcher for the configured channels; stopped and closed on exit."""
    senders, closers = await open_senders(settings, sessions, renderer, clock)
    config = config or DispatcherConfig(pacing=default_pacing(settings))
    dispatcher = Dispatcher(sessions, senders, config, news, clock)
    dispatcher.start()
    try:
        yield dispatcher
    finally:
        await dispatcher.stop()
        await close_senders(closers)
