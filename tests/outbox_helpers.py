"""Shared by the dispatcher, outbox crash and SMS webhook tests: fake Twilio, rows, waiting."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings, load_settings
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.fakes.twilio_api import FakeTwilio

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token"
FROM = "+4571999999"


def sms_settings(api_url: str, **extra: object) -> Settings:
    return load_settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        twilio_api_url=api_url,
        **extra,
    )


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    """A running fake Twilio REST server that knows our test account and token."""
    fake = FakeTwilio(ACCOUNT, TOKEN)
    await fake.start()
    yield fake
    await fake.close()


async def queue_sms(
    sessions: async_sessionmaker[AsyncSession],
    numbers: list[str],
    template: str = "t",
    person_id: int | None = None,
    due: datetime | None = None,
) -> list[int]:
    """Queue one SMS per number (body "msg <i>") in one Core insert; returns their ids."""
    due = due or utcnow()
    rows = [
        {
            "channel": "sms",
            "address": number,
            "template": template,
            "body": f"msg {i}",
            "person_id": person_id,
            "options": [],
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": due,
            "awaiting_reply": False,
        }
        for i, number in enumerate(numbers)
    ]
    async with sessions() as session, session.begin():
        await session.execute(insert(OutboxMessage), rows)
        ids = await session.scalars(
            select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(len(rows))
        )
        return sorted(ids)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.id, OutboxMessage.status))
        return {i: s for i, s in rows.all()}


async def eventually(check: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait until `check()` (or the awaitable it returns) is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def holds() -> bool:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        return bool(result)

    while not await holds():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
