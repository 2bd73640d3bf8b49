"""What the dispatcher's outcomes mean for people, and the dispatcher started with that meaning.

messaging/ knows that a provider refused an address or that a message died after its last try;
what follows is the domain's (ARCHITECTURE.md, "Layers"): the contact point moves along its
allowed states (`mentoring.contacts`) and the coordinator gets an inbox item
(`mentoring.inbox`). Both are written in the dispatcher's own group-commit transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from core.runtime import Runtime
from mentoring import contacts, inbox
from messaging.delivery import AddressFailure
from messaging.dispatcher import (
    Dispatcher,
    DispatcherConfig,
    close_senders,
    default_pacing,
    open_senders,
    running,
)

log = logging.getLogger("mentorbot")


class DomainNews:
    """`messaging.delivery.DeliveryNews` for the programme."""

    async def addresses_failed(
        self, conn: AsyncConnection, failures: Sequence[AddressFailure], now: datetime
    ) -> None:
        await contacts.record_failures(conn, failures, now)

    async def messages_dead(
        self, conn: AsyncConnection, message_ids: Sequence[int], now: datetime
    ) -> None:
        await inbox.dead_letters(conn, message_ids, now)


NEWS = DomainNews()


@contextlib.asynccontextmanager
async def dispatching(
    runtime: Runtime, config: DispatcherConfig | None = None
) -> AsyncIterator[Dispatcher]:
    """A started dispatcher for the configured channels (the web app runs one), on
    connections of its own so its outcomes never wait behind the web requests."""
    async with (
        runtime.separate_sessions() as sessions,
        running(sessions, runtime.settings, runtime.renderer, NEWS, runtime.clock, config) as d,
    ):
        yield d


async def run_alone(runtime: Runtime, lease: timedelta, until_empty: bool) -> None:
    """A dispatcher process of its own (`mentorbot dispatch`), until SIGTERM or SIGINT."""
    settings = runtime.settings
    senders, closers = await open_senders(
        settings, runtime.sessions, runtime.renderer, runtime.clock
    )
    config = DispatcherConfig(pacing=default_pacing(settings), lease=lease)
    dispatcher = Dispatcher(runtime.sessions, senders, config, NEWS, runtime.clock)
    task = asyncio.create_task(dispatcher.run(until_empty=until_empty))
    log.info("dispatcher running")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await close_senders(closers)
