"""Issue 16 finding 8: a dropped PostgreSQL connection does not cost an inbound text.

The app's pooled connection is killed on the server (`pg_terminate_backend`, as a restart or a
failover does); the next signed SMS is retried once on a fresh connection, answered 200 and
kept, with its reply queued. PostgreSQL only: SQLite has no server to lose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import MultiDict
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from core.runtime import Runtime
from storage.models import InboundEvent, OutboxMessage
from tests.conftest import NOW
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import ACCOUNT, TOKEN, sms_settings
from web.app import create_app
from web.inbound import settled

BASE = "https://mentor.example.dk"


@pytest.fixture
async def runtime(pg_url: str, twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    settings = sms_settings(
        twilio.base_url, database_url=pg_url, public_base_url=BASE, run_scheduler=False
    )
    rt = Runtime.build(settings, clock=lambda: NOW)
    yield rt
    await rt.close()
    conn = await asyncpg.connect(_dsn(pg_url))
    try:
        await conn.execute(
            "TRUNCATE inbound_events, inbound_keys, outbox, conversation_states, contact_points,"
            " people, programmes RESTART IDENTITY CASCADE"
        )
    finally:
        await conn.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def text(client: TestClient[object, object], sid: str, body: str) -> int:
    params = [("MessageSid", sid), ("AccountSid", ACCOUNT), ("From", "+4522334455"),
              ("To", "+4571999999"), ("Body", body), ("NumMedia", "0")]  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/sms/inbound", MultiDict(params))
    response = await client.post(
        "/sms/inbound",
        data=urlencode(params),
        headers={"X-Twilio-Signature": str(signature),
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    await response.read()
    if response.status == 200:
        await settled(client.app)
    return response.status


async def kill_app_connections(url: str) -> int:
    """Terminate every server process of the test database but this one: the pool's too."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return int(killed or 0)


async def test_text_after_a_dropped_database_connection_is_kept_not_a_500(
    runtime: Runtime, pg_url: str
) -> None:
    async with TestClient(TestServer(create_app(runtime))) as client:
        assert await text(client, "SM" + "1" * 32, "hej") == 200
        assert await kill_app_connections(pg_url) >= 1
        assert await text(client, "SM" + "2" * 32, "ja") == 200  # retried on a fresh connection
    async with runtime.sessions() as session:
        keys = set(await session.scalars(select(InboundEvent.key)))
        replies = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert keys == {"SM" + "1" * 32, "SM" + "2" * 32}
    assert (replies or 0) >= 2  # both texts were answered
