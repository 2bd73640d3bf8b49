"""The inbound SMS load shared by benchmarks 1, 7 and 8: signed Twilio form POSTs at 50 in flight.

Each request is what Twilio sends for a text (MessageSid, From, Body, ...), signed with
X-Twilio-Signature for the URL the server will check. Each number belongs to one load worker, so
no number has two texts in flight, and none reaches the flood limit.

Two kinds of load. The steady state a jobcenter sees: a `pool` of signed-up youths with proven
SMS numbers (`seed_pool`, before the timed run) writing ordinary replies ("hjælp", "menu", ...).
Without a pool, first texts: new numbers whose texts walk through the start of sign-up, the
dearest and rarest case (a person signs up once and then writes for months).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.load import CONCURRENCY, LoadResult, Request, hammer
from bench.servers import Server, serve
from core.statuses import InboundState
from mentoring.people import YouthForm, register_youth
from mentoring.programmes import current_programme
from storage.db import create_engine, session_factory, unit_of_work
from storage.models import InboundEvent, OutboxMessage
from storage.types import utcnow

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "bench-auth-token"
TO = "+4571999999"
FIRST_BODIES = ("Hej", "Sara", "2005", "8000", "ja", "hjælp")
STEADY_BODIES = ("hjælp", "menu", "tak")
TEXTS_PER_NUMBER = 5  # first texts: well under the flood gate's 60 per number in 10 minutes
POOL_TEXTS_PER_NUMBER = 15  # steady state, warm-up included: still under the flood gate
POOL_NAMES = ("Sara", "Mikkel", "Freja", "Ahmad", "Ida", "Oliver", "Amina", "Lucas")


def sms_env(database_url: str, twilio_url: str, rate: float = 1.0) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": TO,
        "TWILIO_API_URL": twilio_url,
        "TWILIO_MESSAGES_PER_SECOND": str(rate),
    }


def _owned(count: int) -> int:
    """`count` rounded up to whole rounds of the load's workers: number i is worker i's own."""
    return max(1, -(-count // CONCURRENCY)) * CONCURRENCY


def pool_size(texts: int) -> int:
    """How many signed-up numbers carry `texts` steady-state texts (warm-up included)."""
    return _owned(-(-texts // POOL_TEXTS_PER_NUMBER))


class Texts:
    """Signed inbound texts; `make(i)` is the i-th, sent to `targets[i % len(targets)]` from
    number `i % len(numbers)` (a multiple of the load's workers, so one worker owns each)."""

    def __init__(
        self,
        targets: list[str],
        count: int,
        tag: str,
        signed_base: str | None = None,
        pool: list[str] | None = None,
    ):
        self.targets, self.tag, self.signed_base = targets, tag, signed_base
        if pool:
            assert len(pool) % CONCURRENCY == 0, "each worker owns whole numbers"
            self.numbers, self.bodies = pool, STEADY_BODIES
        else:
            base = 30000000 + (zlib.crc32(tag.encode()) % 1000) * 10000
            first = range(_owned(count // TEXTS_PER_NUMBER))
            self.numbers, self.bodies = [f"+45{base + n}" for n in first], FIRST_BODIES
        self.validator = RequestValidator(TOKEN)

    def make(self, i: int) -> Request:
        target = self.targets[i % len(self.targets)]
        number = self.numbers[i % len(self.numbers)]
        params = {
            "ToCountry": "DK",
            "SmsMessageSid": f"SM{self.tag}{i:010d}",
            "NumMedia": "0",
            "SmsSid": f"SM{self.tag}{i:010d}",
            "SmsStatus": "received",
            "Body": self.bodies[(i // len(self.numbers)) % len(self.bodies)],
            "FromCountry": "DK",
            "To": TO,
            "NumSegments": "1",
            "MessageSid": f"SM{self.tag}{i:010d}",
            "AccountSid": ACCOUNT,
            "From": number,
            "ApiVersion": "2010-04-01",
        }
        url = f"{target}/sms/inbound"
        signed = f"{self.signed_base or target}/sms/inbound"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(signed, params),
        }
        return Request(url, urlencode(params).encode(), headers)


async def load(
    targets: list[str],
    count: int,
    seconds: float,
    tag: str,
    signed_base: str | None = None,
    warmup: int = 100,
    pool: list[str] | None = None,
) -> LoadResult:
    """Warm up with `warmup` texts, then send up to `count` texts for up to `seconds`: from the
    signed-up `pool` if given (steady state), else first texts from new numbers."""
    if warmup:
        texts = Texts(targets, warmup, f"w{tag}", signed_base, pool)
        await hammer(texts.make, count=warmup, max_seconds=30)
    texts = Texts(targets, count, tag, signed_base, pool)
    return await hammer(texts.make, count=count, max_seconds=seconds)


async def seed_pool(database_url: str, size: int, tag: str) -> list[str]:
    """`size` adult youths, signed up with a proven SMS number each: the steady-state senders.

    Registered as the coordinator or a finished sign-up does (mentoring.people), in the
    programme running today (the demo's when `serve` loaded it). Numbers +4540xxxxxx, apart from
    the first-text numbers; `tag` keeps two pools in one database apart.
    """
    base = 40000000 + (10 + zlib.crc32(tag.encode()) % 90) * 10000  # +45400x... is no number
    numbers = [f"+45{base + n}" for n in range(size)]
    now = utcnow()
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            programme = await current_programme(session, now.date())
            for n, number in enumerate(numbers):
                form = YouthForm(
                    first_name=POOL_NAMES[n % len(POOL_NAMES)],
                    birth_year=now.year - 22,
                    situation="unemployed",
                    phone=number,
                )
                await register_youth(session, programme.id, form, now=now, contacts_verified=True)
    finally:
        await engine.dispose()
    return numbers


async def stored(database_url: str) -> tuple[int, int]:
    """(inbound journal rows, outbox rows): what the texts left in the database."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            keys = await session.scalar(select(func.count()).select_from(InboundEvent))
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(keys or 0), int(queued or 0)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Handled:
    """The journal rows of one run (keys starting with its prefix), once all were handled."""

    count: int
    last_handled: float  # epoch seconds: the last of them handled, its replies queued with it
    delays: list[float]  # seconds from recorded to handled, each row

    def delay_ms(self, p: float) -> float:
        """Delay at percentile `p` (nearest rank), in milliseconds."""
        ordered = sorted(self.delays)
        if not ordered:
            return 0.0
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def handled(database_url: str, prefix: str, count: int, seconds: float = 600.0) -> Handled:
    """Wait until `count` journal rows with keys starting `prefix` are done (or dead), then
    say when the last one was handled and how long each waited."""
    engine = create_engine(database_url)
    rows = InboundEvent.__table__
    ours = rows.c.key.like(f"{prefix}%")
    try:
        deadline = time.monotonic() + seconds
        while True:
            async with engine.connect() as conn:
                done = await conn.scalar(
                    select(func.count()).where(ours, rows.c.state != InboundState.PENDING)
                )
            if (done or 0) >= count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done} of {count} texts handled in {seconds} s")
            await asyncio.sleep(0.05)
        async with engine.connect() as conn:
            times = (
                await conn.execute(select(rows.c.received_at, rows.c.handled_at).where(ours))
            ).all()
    finally:
        await engine.dispose()
    finished = [(r, h) for r, h in times if h is not None]
    return Handled(
        len(finished),
        max(h for _, h in finished).timestamp(),
        [(h - r).total_seconds() for r, h in finished],
    )


@contextlib.contextmanager
def sms_server(env: dict[str, str], log: Path) -> Iterator[Server]:
    server = serve(env, log)
    try:
        yield server
    finally:
        server.stop()
