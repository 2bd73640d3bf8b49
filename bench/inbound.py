"""The inbound SMS load shared by benchmarks 1, 7 and 8: signed Twilio form POSTs at 50 in flight.

Each request is what Twilio sends for a text (MessageSid, From, Body, ...), signed with
X-Twilio-Signature for the URL the server will check. Numbers take turns so no number has two
texts in flight and none reaches the flood limit; each text is one step of that person's
conversation (the first one starts sign-up).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.load import LoadResult, Request, hammer
from bench.servers import Server, serve
from storage.db import create_engine, session_factory
from storage.models import InboundKey, OutboxMessage

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "bench-auth-token"
TO = "+4571999999"
BODIES = ("Hej", "Sara", "2005", "8000", "ja", "hjælp")
TEXTS_PER_NUMBER = 5  # well under the flood gate's 20 per number in 10 minutes


def sms_env(database_url: str, twilio_url: str, rate: float = 1.0) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": TO,
        "TWILIO_API_URL": twilio_url,
        "TWILIO_MESSAGES_PER_SECOND": str(rate),
    }


class Texts:
    """Signed inbound texts; `make(i)` is the i-th, sent to `targets[i % len(targets)]`."""

    def __init__(self, targets: list[str], count: int, tag: str, signed_base: str | None = None):
        self.targets, self.tag, self.signed_base = targets, tag, signed_base
        self.numbers = max(1, count // TEXTS_PER_NUMBER)
        self.validator = RequestValidator(TOKEN)

    def make(self, i: int) -> Request:
        target = self.targets[i % len(self.targets)]
        number = (
            f"+45{30000000 + (zlib.crc32(self.tag.encode()) % 1000) * 10000 + i % self.numbers}"
        )
        params = {
            "ToCountry": "DK",
            "SmsMessageSid": f"SM{self.tag}{i:010d}",
            "NumMedia": "0",
            "SmsSid": f"SM{self.tag}{i:010d}",
            "SmsStatus": "received",
            "Body": BODIES[(i // self.numbers) % len(BODIES)],
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
) -> LoadResult:
    """Warm up with `warmup` texts, then send up to `count` texts for up to `seconds`."""
    if warmup:
        texts = Texts(targets, warmup, f"w{tag}", signed_base)
        await hammer(texts.make, count=warmup, max_seconds=30)
    texts = Texts(targets, count, tag, signed_base)
    return await hammer(texts.make, count=count, max_seconds=seconds)


async def stored(database_url: str) -> tuple[int, int]:
    """(inbound keys, outbox rows): what the texts left in the database."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            keys = await session.scalar(select(func.count()).select_from(InboundKey))
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(keys or 0), int(queued or 0)
    finally:
        await engine.dispose()


@contextlib.contextmanager
def sms_server(env: dict[str, str], log: Path) -> Iterator[Server]:
    server = serve(env, log)
    try:
        yield server
    finally:
        server.stop()
