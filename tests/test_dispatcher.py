"""The outbox dispatcher against the fake Twilio server: pacing, retries, dead letters,
permanent failures on the contact point, and the rows it must never send."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.delivery_news import NEWS
from messaging.delivery import RetryPolicy, send_due_once
from messaging.dispatcher import Dispatcher, DispatcherConfig, Pacer, Pacing
from messaging.sms import TwilioSender
from messaging.telegram import TelegramSender, build_bot
from settings import load_settings
from storage.models import ContactPoint, OutboxMessage, Person
from storage.types import utcnow
from tests.conftest import NOW
from tests.factories import youth
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.outbox_helpers import eventually, queue_sms, sms_settings, statuses

NUMBER = "+4520123456"


@pytest.fixture
async def sender(twilio: FakeTwilio) -> AsyncIterator[TwilioSender]:
    s = await TwilioSender.open(sms_settings(twilio.base_url))
    yield s
    await s.close()


def config(rate: float = 1000.0, max_attempts: int = 8) -> DispatcherConfig:
    return DispatcherConfig(
        pacing={"sms": Pacing(rate=rate)},
        policy=RetryPolicy(max_attempts=max_attempts, base_seconds=0.02),
        poll_interval=0.05,
    )


@pytest.fixture
async def dispatcher(
    sessions: async_sessionmaker[AsyncSession], sender: TwilioSender
) -> AsyncIterator[Dispatcher]:
    d = Dispatcher(sessions, {"sms": sender}, config(max_attempts=3), NEWS)
    d.start()
    yield d
    await d.stop()


async def person_with_sms(
    sessions: async_sessionmaker[AsyncSession],
    number: str = NUMBER,
    verified: bool = True,
    status: str | None = None,
) -> int:
    async with sessions() as session, session.begin():
        person = await youth(session, NOW)
        session.add(
            ContactPoint(person_id=person.id, channel="sms", address=number, verified=verified)
        )
        if status:
            person.status = status
        await session.flush()
        return person.id


async def test_dispatcher_sends_due_messages_and_waits_for_later_ones(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, dispatcher: Dispatcher
) -> None:
    [now_id] = await queue_sms(sessions, [NUMBER])
    [later_id] = await queue_sms(sessions, ["+4520000002"], due=utcnow() + timedelta(hours=3))
    dispatcher.wake()
    await eventually(lambda: len(twilio.accepted) == 1)

    async def recorded() -> bool:
        return (await statuses(sessions))[now_id] == "sent"

    await eventually(recorded)
    assert (await statuses(sessions))[later_id] == "pending"
    assert twilio.bodies_to(NUMBER) == ["msg 0"]


async def test_dispatcher_paces_sms_at_the_configured_rate(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    await queue_sms(sessions, [f"+452000{i:04d}" for i in range(9)])
    d = Dispatcher(sessions, {"sms": sender}, config(rate=20.0), NEWS)
    await d.run(until_empty=True)
    assert len(twilio.accepted) == 9
    spread = twilio.accepted_at[-1] - twilio.accepted_at[0]
    assert spread >= 8 / 20 * 0.9


def send_times(pacer: Pacer, clock: list[float], addresses: list[str], late: float) -> list[float]:
    """When each message goes if the sender waits as told and then arrives `late` seconds late."""
    times = []
    for address in addresses:
        clock[0] += pacer.reserve(address) + late
        times.append(clock[0])
    return times


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def test_dispatcher_pacer_keeps_telegram_under_30_a_second_and_1_per_chat() -> None:
    clock = [100.0]
    pacer = Pacer(Pacing(rate=30.0, per_address_gap=1.0), monotonic=lambda: clock[0])
    times = send_times(pacer, clock, [str(chat % 40) for chat in range(200)], late=0.0)
    assert most_in_one_second(times) <= 30
    by_chat: dict[int, list[float]] = {}
    for n, t in enumerate(times):
        by_chat.setdefault(n % 40, []).append(t)
    assert all(b - a >= 1.0 for chat in by_chat.values() for a, b in pairwise(chat))
    pacer.hold(30)
    assert pacer.reserve("99") >= 30


def test_dispatcher_pacer_late_sends_cost_no_throughput_and_make_no_burst() -> None:
    """An event loop a few ms late on every send still sends at the rate (no drift), and a long
    stall is not made good with a burst that would break the provider's one-second window."""
    clock = [100.0]
    pacer = Pacer(Pacing(rate=30.0), monotonic=lambda: clock[0])
    times = send_times(pacer, clock, ["x"] * 300, late=0.004)
    assert times[-1] - times[0] == pytest.approx(299 / 30, rel=0.04)
    clock[0] += 5.0  # a stall
    after = send_times(pacer, clock, ["x"] * 60, late=0.0)
    assert most_in_one_second(times + after) <= 30


async def test_dispatcher_retries_429_and_500_then_delivers_once(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    twilio.fail(NUMBER, "429", "500")
    [mid] = await queue_sms(sessions, [NUMBER])
    await Dispatcher(sessions, {"sms": sender}, config(), NEWS).run(until_empty=True)
    assert twilio.bodies_to(NUMBER) == ["msg 0"]
    assert twilio.requests == 3
    async with sessions() as session:
        row = await session.get(OutboxMessage, mid)
        assert row is not None and (row.status, row.attempts) == ("sent", 3)


async def test_dispatcher_dead_letters_after_the_retry_policy(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    twilio.fail(NUMBER, "500", "500", "500", "500")
    [mid] = await queue_sms(sessions, [NUMBER])
    await Dispatcher(sessions, {"sms": sender}, config(max_attempts=3), NEWS).run(until_empty=True)
    assert twilio.requests == 3 and twilio.accepted == []
    async with sessions() as session:
        row = await session.get(OutboxMessage, mid)
        assert row is not None and row.status == "dead" and row.last_error


@pytest.mark.parametrize(("code", "state"), [("21610", "opted_out"), ("21211", "invalid")])
async def test_dispatcher_permanent_failure_marks_the_number_and_stops_sending(
    sessions: async_sessionmaker[AsyncSession],
    twilio: FakeTwilio,
    sender: TwilioSender,
    code: str,
    state: str,
) -> None:
    person_id = await person_with_sms(sessions)
    twilio.fail(NUMBER, code)
    await queue_sms(sessions, [NUMBER], person_id=person_id)
    await Dispatcher(sessions, {"sms": sender}, config(), NEWS).run(until_empty=True)
    await queue_sms(sessions, [NUMBER], person_id=person_id)
    await Dispatcher(sessions, {"sms": sender}, config(), NEWS).run(until_empty=True)
    assert twilio.requests == 1 and twilio.accepted == []
    async with sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.address == NUMBER))
        assert point is not None and point.state == state
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [r.status for r in rows] == ["failed", "failed"]
        assert rows[1].last_error == f"suppressed: contact {state}"


async def test_dispatcher_holds_unverified_number_except_its_code(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    person_id = await person_with_sms(sessions, verified=False)
    [nudge] = await queue_sms(sessions, [NUMBER], template="meeting_reminder", person_id=person_id)
    [code] = await queue_sms(sessions, [NUMBER], template="verify_code", person_id=person_id)
    assert await send_due_once(sessions, {"sms": sender}, utcnow(), NEWS) == 1
    assert twilio.bodies_to(NUMBER) == ["msg 0"]
    rows = await statuses(sessions)
    assert (rows[code], rows[nudge]) == ("sent", "pending")
    async with sessions() as session, session.begin():
        await session.execute(update(ContactPoint).values(verified=True))
    assert await send_due_once(sessions, {"sms": sender}, utcnow(), NEWS) == 1
    assert (await statuses(sessions))[nudge] == "sent"


async def test_dispatcher_sends_a_paused_person_only_the_stop_confirmation(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    person_id = await person_with_sms(sessions, status="paused")
    [nudge] = await queue_sms(sessions, [NUMBER], template="hours_nudge", person_id=person_id)
    [stop] = await queue_sms(sessions, [NUMBER], template="sms_opted_out", person_id=person_id)
    await send_due_once(sessions, {"sms": sender}, utcnow(), NEWS)
    rows = await statuses(sessions)
    assert (rows[nudge], rows[stop]) == ("failed", "sent")
    assert len(twilio.accepted) == 1
    async with sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None and person.status == "paused"


async def test_dispatcher_wake_sends_without_waiting_for_the_poll(
    sessions: async_sessionmaker[AsyncSession], twilio: FakeTwilio, sender: TwilioSender
) -> None:
    cfg = config()
    cfg.poll_interval = 60
    d = Dispatcher(sessions, {"sms": sender}, cfg, NEWS)
    d.start()
    try:
        await eventually(lambda: twilio.requests == 0)
        await queue_sms(sessions, [NUMBER])
        d.wake()
        await eventually(lambda: len(twilio.accepted) == 1, seconds=3)
    finally:
        await d.stop()


async def test_dispatcher_sends_telegram_at_its_limits_without_a_single_429(
    sessions: async_sessionmaker[AsyncSession], telegram_api: FakeTelegramAPI
) -> None:
    """The fake Bot API answers 429 above 100/s overall or 5/s per chat (Telegram's 30/s and
    1/s, scaled); paced at those limits, nothing is refused and the rate is nearly reached."""
    telegram_api.per_second, telegram_api.per_chat_per_second = 100, 5
    chats = [str(7000 + n % 20) for n in range(200)]
    now = utcnow()
    async with sessions() as session, session.begin():
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "channel": "telegram",
                    "address": chat,
                    "template": "t",
                    "body": f"msg {n}",
                    "options": [],
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "awaiting_reply": False,
                }
                for n, chat in enumerate(chats)
            ],
        )
    bot = build_bot(
        load_settings(telegram_bot_token="42:T", telegram_api_url=telegram_api.base_url)
    )
    cfg = DispatcherConfig(
        pacing={"telegram": Pacing(rate=100, per_address_gap=1 / 5)}, poll_interval=0.05
    )
    started = time.monotonic()
    try:
        await Dispatcher(sessions, {"telegram": TelegramSender(bot)}, cfg, NEWS).run(
            until_empty=True
        )
    finally:
        await bot.session.close()
    calls = telegram_api.sent("sendMessage")
    assert len(calls) == 200  # every request accepted the first time: no 429
    assert sorted(telegram_api.texts()) == sorted(f"msg {n}" for n in range(200))
    assert set((await statuses(sessions)).values()) == {"sent"}
    assert time.monotonic() - started < 3 * 200 / 100  # paced, not stalled: theory is 2 s
