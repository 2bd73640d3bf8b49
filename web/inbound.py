"""Record first, answer at once: the inbound journal's part in the web app.

Webhooks `record` the raw event (a group commit with the others arriving meanwhile) and answer
as soon as it is committed; the conversation workers of this process (bot.inbound) are woken by
each commit and handle the journal in batches, and they wake the outbox dispatcher when a batch
queued replies. `settled` waits until nothing recorded is left unhandled (tests, benchmarks).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from bot.inbound import SMS, Workers
from mentoring import journal
from mentoring.journal import Arrival, Recorder
from web.keys import CHANNELS, DISPATCHER, RECORDER, RUNTIME, WORKERS


def setup(app: web.Application) -> None:
    """Before the channels' setup (they add themselves to CHANNELS), after the outbox's."""
    app[CHANNELS] = {"sms": SMS}
    app.cleanup_ctx.append(_running)


async def _running(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]

    def replies_queued() -> None:
        dispatcher = app.get(DISPATCHER)
        if dispatcher is not None:
            dispatcher.wake()

    workers = Workers(runtime, app[CHANNELS], replies_queued)
    recorder = Recorder(runtime, workers.recorded)
    app[WORKERS], app[RECORDER] = workers, recorder
    workers.start()
    yield
    await recorder.close()
    await workers.stop()


async def record(request: web.Request, arrival: Arrival) -> None:
    """Returns once the event is in the journal for good (or was already): answer then."""
    await request.app[WORKERS].admit()
    await request.app[RECORDER].record(arrival)


async def settled(app: web.Application, seconds: float = 60.0) -> None:
    """Wait until this app's workers handled (or dead-lettered) every recorded event."""
    runtime = app[RUNTIME]
    async with asyncio.timeout(seconds):
        while await journal.pending(runtime):  # noqa: ASYNC110 - the database says, not a task
            await asyncio.sleep(0.01)
