"""kill -9 of `mentorbot serve` while it answers a load of inbound texts and sends the outbox:
after a restart every message has gone out, and no more went out twice than the README's bound
(the send window of the SMS channel). The real `serve` process, the inbound load of the
benchmarks (signed Twilio webhooks, 50 in flight) and the fake Twilio server; SQLite and
PostgreSQL. The figure (sent twice, of how many) is logged:
`pytest -rP tests/test_outbox_kill_under_load.py` shows it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.inbound import ACCOUNT, TOKEN, Texts, sms_env
from bench.load import hammer
from bench.servers import Server, free_port, serve
from core.statuses import QUEUED
from messaging.dispatcher import DispatcherConfig
from storage.models import InboundEvent, OutboxMessage
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import eventually, queue_sms, statuses

log = logging.getLogger(__name__)
pytestmark = pytest.mark.xdist_group("bench")  # server processes: keep them on one worker

MESSAGES = 400  # SMS queued (body "msg <i>") once the inbound load is in full swing
# TWILIO_MESSAGES_PER_SECOND: more than this machine sends while it answers the load, so the
# window, not the pace, limits sending: the worst case for what a kill -9 can send twice.
RATE = 1000
LOAD = 4000  # inbound texts at most


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT, TOKEN)  # the account and token the load signs its texts with
    await fake.start()
    yield fake
    await fake.close()


def outbox_id(form: dict[str, str]) -> int:
    """The outbox row a request to Twilio was for: its status callback names it."""
    return int(parse_qs(urlsplit(form["StatusCallback"]).query)["id"][0])


def sent_of(fake: FakeTwilio, ids: list[int]) -> set[int]:
    wanted = set(ids)
    return {i for i in map(outbox_id, fake.accepted) if i in wanted}


async def nothing_left(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """No outbox row is pending or sending any more."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(QUEUED))
        )
    return count == 0


def start(db_url: str, fake: FakeTwilio, port: int, log: Path) -> Server:
    base = f"http://127.0.0.1:{port}"  # the texts are signed for it; status callbacks name it
    env = {**sms_env(db_url, fake.base_url, RATE), "PUBLIC_BASE_URL": base}
    return serve({**env, "DATA_DIR": str(log.parent)}, log, port)


async def texts_in(sessions: async_sessionmaker[AsyncSession], at_least: int = 0) -> int:
    """Inbound texts `serve` has taken in so far (its inbound journal rows), if `at_least`."""
    async with sessions() as session:
        n = int(await session.scalar(select(func.count()).select_from(InboundEvent)) or 0)
    return n if n >= at_least else 0


async def test_kill_9_under_inbound_load_sends_everything_and_at_most_one_window_twice(
    db_url: str,
    sessions: async_sessionmaker[AsyncSession],
    fake_twilio: FakeTwilio,
    tmp_path: Path,
) -> None:
    port = free_port()
    first = start(db_url, fake_twilio, port, tmp_path / "first.log")
    # Bounded: the journal takes texts at recording speed (5,000 may wait unhandled), and all
    # that were answered must be handled after the restart within the test's time.
    texts = Texts([first.url], LOAD, "k9")
    try:
        await first.ready()
        load = asyncio.create_task(hammer(texts.make, count=LOAD, max_seconds=120))
        await eventually(lambda: texts_in(sessions, 50), 60)  # the load in full swing
        queued = await queue_sms(sessions, [f"+4522{i:06d}" for i in range(MESSAGES)])
        await eventually(lambda: len(sent_of(fake_twilio, queued)) >= MESSAGES // 4, 60)
        first.process.kill()
        first.process.wait()
        load.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await load
    finally:
        first.stop()
    sent_before_kill = len(sent_of(fake_twilio, queued))
    assert sent_before_kill < MESSAGES, "everything was sent before the kill"

    second = start(db_url, fake_twilio, port, tmp_path / "second.log")
    try:
        await second.ready()
        await eventually(lambda: nothing_left(sessions), 120)
    finally:
        second.stop()

    assert {(await statuses(sessions))[i] for i in queued} == {"sent"}
    times = Counter(outbox_id(form) for form in fake_twilio.accepted)
    assert set(queued) <= set(times), "a queued message never reached Twilio"
    twice = sum(n - 1 for n in times.values())  # deliveries beyond the first, of every message
    log.warning(
        "sent twice: %d of %d messages, %d texts in", twice, len(times), await texts_in(sessions)
    )
    assert twice <= DispatcherConfig(pacing={}).window  # README: one send window per channel
