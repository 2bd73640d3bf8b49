"""/healthz and /metrics show the outbox backlog, the oldest waiting message and dead letters."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.runtime import Runtime
from settings import load_settings
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.outbox_helpers import queue_sms
from web.app import create_app


async def test_outbox_backlog_and_dead_letters_in_healthz_and_metrics(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    waiting = utcnow() - timedelta(minutes=10)
    ids = await queue_sms(sessions, ["+4520000001", "+4520000002", "+4520000003"], due=waiting)
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == ids[0]).values(status="dead")
        )
    runtime = Runtime.build(load_settings(database_url=db_url, run_scheduler=False))
    try:
        async with TestClient(TestServer(create_app(runtime))) as client:
            health = await (await client.get("/healthz")).json()
            text = await (await client.get("/metrics")).text()
    finally:
        await runtime.close()
    assert health["outbox"]["backlog"] == 2 and health["outbox"]["dead_letters"] == 1
    assert health["outbox"]["oldest_due_seconds"] >= 600
    assert "mentorbot_outbox_backlog 2.0" in text
    assert "mentorbot_outbox_dead_letters 1.0" in text
    assert 'mentorbot_outbox_messages{channel="sms",status="pending"} 2.0' in text
    assert "mentorbot_followups_due 0.0" in text
