"""The inbound journal: record first, answer at once, handle in batches (issue 15).

The journal's recorder and the conversation workers are driven directly here (no background
task), so a test decides when a batch runs; the webhooks' side is in test_sms_webhooks.py and
test_inbound_kill.py (a real `serve` killed with SIGKILL after answering).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy import text as text_sql

from bot.inbound import SMS, Channel, Workers
from core.runtime import Runtime
from core.statuses import InboundState
from mentoring.inbox import Kind
from mentoring.journal import MAX_TRIES, Arrival, Event, Recorder, claim, pending
from mentoring.privacy import purge
from storage.models import ContactPoint, InboundEvent, InboxItem, OutboxMessage
from tests.conftest import NOW
from tests.conftest import _truncate as truncate
from tests.factories import youth
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import sms_settings

NUMBER, OTHER = "+4520111111", "+4520222222"


@pytest.fixture
async def runtime(db_url: str, twilio: FakeTwilio) -> AsyncIterator[Runtime]:
    rt = Runtime.build(sms_settings(twilio.base_url, database_url=db_url, run_scheduler=False))
    yield rt
    await rt.close()


async def _broken(_session: object, _runtime: Runtime, event: Event) -> None:
    raise RuntimeError(f"cannot read {event.payload['Body']!r}")


# A channel whose handler always raises: the stand-in for a bug met by one message.
BROKEN = Channel(_broken, lambda event: event.payload.get("Body"))


def text(body: str, sid: str, number: str = NUMBER, channel: str = "sms") -> Arrival:
    return Arrival(channel=channel, key=sid, address=number, payload={"Body": body})


async def record(runtime: Runtime, *arrivals: Arrival) -> None:
    """Record as webhooks do, all in one group commit."""
    recorder = Recorder(runtime, lambda _n: None)
    await asyncio.gather(*(recorder.record(a) for a in arrivals))
    await recorder.close()


def workers(runtime: Runtime) -> Workers:
    return Workers(runtime, {"sms": SMS, "broken": BROKEN}, lambda: None, budget=60)


async def events(runtime: Runtime) -> list[InboundEvent]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


async def replies_to(runtime: Runtime, number: str) -> list[str]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.template)
            .where(OutboxMessage.address == number)
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def test_a_repeated_message_sid_is_recorded_once_and_handled_once(runtime: Runtime) -> None:
    await record(runtime, text("Hej", "SM1"), text("Hej", "SM1"))  # Twilio's retry, same batch
    await record(runtime, text("Hej", "SM1"))  # and later
    assert len(await events(runtime)) == 1
    assert await workers(runtime).one_pass() == 1
    assert await workers(runtime).one_pass() == 0
    [event] = await events(runtime)
    assert event.state == InboundState.DONE and event.payload is None and event.address == ""
    first_replies = await replies_to(runtime, NUMBER)
    assert first_replies  # the sign-up's first question
    await record(runtime, text("Hej", "SM1"))
    assert await workers(runtime).one_pass() == 0
    assert await replies_to(runtime, NUMBER) == first_replies


async def test_a_raising_message_is_retried_alone_then_dead_lettered_the_rest_handled(
    runtime: Runtime,
) -> None:
    async with runtime.sessions() as session, session.begin():
        person = await youth(session, NOW)
        person.status = "active"
        session.add(ContactPoint(person_id=person.id, channel="sms", address=OTHER, verified=True))
    await record(
        runtime,
        text("Hej", "SM1"),
        text("gibberish", "X1", "+4520333333", channel="broken"),
        text("hjælp", "SM2", OTHER),
    )
    crew = workers(runtime)
    # One batch: both texts handled, the broken one rolled back alone and counted.
    assert await crew.batch(100, retries=False) == 3
    by_key = {e.key: e for e in await events(runtime)}
    assert by_key["SM1"].state == by_key["SM2"].state == InboundState.DONE
    assert by_key["X1"].state == InboundState.PENDING and by_key["X1"].tries == 1
    assert await replies_to(runtime, NUMBER) and await replies_to(runtime, OTHER)
    # Not taken with new texts again: retried one at a time until MAX_TRIES.
    assert await crew.batch(100, retries=False) == 0
    for _ in range(MAX_TRIES - 1):
        assert await crew.batch(100, retries=True) == 1
    assert await crew.batch(100, retries=True) == 0
    dead = {e.key: e for e in await events(runtime)}["X1"]
    assert dead.state == InboundState.DEAD and dead.tries == MAX_TRIES
    assert dead.last_error == "RuntimeError: cannot read 'gibberish'"
    async with runtime.sessions() as session:
        [item] = await session.scalars(select(InboxItem).where(InboxItem.kind == "inbound_failed"))
    assert item.kind == Kind.INBOUND_FAILED
    assert item.body == "RuntimeError: cannot read 'gibberish'\ngibberish"


async def test_one_persons_texts_are_handled_in_the_order_they_arrived(runtime: Runtime) -> None:
    """STOP then START in the same instant: they end up subscribed, told so in that order."""
    async with runtime.sessions() as session, session.begin():
        person = await youth(session, NOW)
        person.status = "active"
        session.add(ContactPoint(person_id=person.id, channel="sms", address=NUMBER, verified=True))
    await record(runtime, text("STOP", "SM1"), text("hjælp", "SM0", OTHER), text("START", "SM2"))
    crew = workers(runtime)
    # The first batch takes STOP and the other person's text; START waits for STOP.
    assert await crew.one_pass() == 2
    assert [e.state for e in await events(runtime)] == ["done", "done", "pending"]
    assert await crew.one_pass() == 1
    assert await replies_to(runtime, NUMBER) == ["sms_opted_out", "sms_opted_in"]
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.address == NUMBER))
        assert point is not None and point.state == "ok"


async def test_two_processes_workers_share_the_journal_and_handle_each_text_once(
    pg_url: str, twilio: FakeTwilio
) -> None:
    """Two runtimes (as two `serve` processes) with two workers each race over 20 people's
    texts on PostgreSQL: each text handled once, each person's in order."""
    settings = sms_settings(twilio.base_url, database_url=pg_url, run_scheduler=False)
    first, second = Runtime.build(settings), Runtime.build(settings)
    numbers = [f"+452033{i:04d}" for i in range(20)]
    try:
        await record(first, *(text(body, f"SM{n}-{k}", number)
                              for k, body in enumerate(("Hej", "STOP", "START"))
                              for n, number in enumerate(numbers)))  # fmt: skip
        crews = [Workers(rt, {"sms": SMS}, lambda: None, count=2) for rt in (first, second)]
        for crew in crews:
            crew.start()
        try:
            async with asyncio.timeout(120):
                while await pending(first):  # noqa: ASYNC110 - the database says
                    await asyncio.sleep(0.05)
        finally:
            for crew in crews:
                await crew.stop()
        assert [e.state for e in await events(first)] == ["done"] * 60
        for number in numbers:
            # Sign-up's first question, then opted out, then back: in the order written.
            replies = await replies_to(first, number)
            assert replies[-2:] == ["sms_opted_out", "sms_opted_in"], number
            assert replies == await replies_to(first, numbers[0])
    finally:
        await first.close()
        await second.close()
        await truncate(pg_url)


async def test_the_retention_job_forgets_handled_keys_after_a_week_and_keeps_pending_ones(
    runtime: Runtime,
) -> None:
    await record(runtime, text("Hej", "SM-old"), text("Hej", "SM-new", OTHER))
    assert await workers(runtime).one_pass() == 2
    await record(runtime, text("hjælp", "SM-waiting"))  # not handled yet (say, during an outage)
    async with runtime.sessions() as session, session.begin():
        # Eight days old: the first handled text and the one still waiting.
        for row in await session.scalars(
            select(InboundEvent).where(InboundEvent.key.in_(("SM-old", "SM-waiting")))
        ):
            row.received_at = NOW - timedelta(days=8)
    runtime.clock = lambda: NOW
    touched = await purge(runtime)
    assert touched["inbound_events"] == 1
    assert sorted(e.key for e in await events(runtime)) == ["SM-new", "SM-waiting"]
    await record(runtime, text("Hej", "SM-new", OTHER))  # Twilio's retry within the week
    assert len(await events(runtime)) == 2  # still a repeat: not recorded again


async def test_webhooks_wait_for_room_only_when_the_backlog_is_full(runtime: Runtime) -> None:
    crew = Workers(runtime, {"sms": SMS}, lambda: None, budget=60, backlog=2)
    recorder = Recorder(runtime, crew.recorded)
    await recorder.record(text("Hej", "SM1"))
    await crew.admit()  # one of two: at once
    await recorder.record(text("Hej", "SM2", OTHER))
    waiting = asyncio.create_task(crew.admit())
    await asyncio.sleep(0.2)
    assert not waiting.done()  # two of two recorded and not handled: the third webhook waits
    assert await crew.one_pass() == 2
    async with asyncio.timeout(5):
        await waiting  # room again once the batch was handled
    await recorder.close()


async def test_the_claim_on_postgresql_reads_pending_rows_only_however_many_were_handled(
    pg_url: str, twilio: FakeTwilio
) -> None:
    """asyncpg prepares the claim, and PostgreSQL's generic plan for it must still go to the
    pending rows through the queue index instead of walking every handled row by id."""
    rt = Runtime.build(sms_settings(twilio.base_url, database_url=pg_url, run_scheduler=False))
    try:
        async with rt.engine.begin() as conn:
            await conn.execute(
                insert(InboundEvent),
                [
                    {"channel": "sms", "key": f"SM{i}", "address": NUMBER, "state": "done",
                     "tries": 0, "received_at": NOW}
                    for i in range(3000)
                ],
            )  # fmt: skip
            await conn.execute(text_sql("ANALYZE inbound_events"))
        await record(rt, text("Hej", "SM-pending"))
        sent: list[tuple[str, tuple[object, ...]]] = []

        def keep(
            _conn: object, _cursor: object, statement: str, params: object, *_: object
        ) -> None:
            if "FOR UPDATE" in statement:
                sent.append((statement, tuple(params)))  # type: ignore[call-overload]

        event.listen(rt.engine.sync_engine, "before_cursor_execute", keep)
        async with rt.transaction() as session:
            assert [e.payload["Body"] for e in await claim(session, 100)] == ["Hej"]
        [(statement, params)] = sent
        async with rt.engine.connect() as conn:
            await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            await conn.exec_driver_sql(f"PREPARE claim AS {statement}")
            arguments = ", ".join(repr(p) for p in params)
            explained = f"EXPLAIN (FORMAT JSON) EXECUTE claim({arguments})"
            plan = (await conn.exec_driver_sql(explained)).scalar()
        assert '"ix_inbound_events_queue"' in json.dumps(plan)
    finally:
        await rt.close()
        await truncate(pg_url)
