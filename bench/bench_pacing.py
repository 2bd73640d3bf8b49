"""Outbound pacing: the real dispatcher against fake providers that enforce their rate limits.

Telegram: 30 messages/s overall and 1/s per chat, scaled up tenfold (300/s, 10/s per chat) to keep
the run short; the fake answers 429 with retry_after when a limit is exceeded. SMS: the fake
Twilio accepts TWILIO_MESSAGES_PER_SECOND (here 100/s, a short code's 10/s scaled tenfold) and
answers 429/20429 above it. The theoretical minimum is what the provider's limit allows:
messages / rate (and, per chat, messages to that chat / per-chat rate). Goal: wall time at most
1.05 x that, no message lost, fewer than 1 % of requests answered 429.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select

from bench.dbs import sqlite_db
from mentoring.delivery_news import NEWS
from messaging.dispatcher import Dispatcher, DispatcherConfig, Pacing
from messaging.senders import Sender
from messaging.sms import TwilioSender
from messaging.telegram import TelegramSender, build_bot
from settings import load_settings
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.fakes.telegram_api import start_fake_telegram
from tests.fakes.twilio_api import FakeTwilio, fixture_json
from tests.outbox_helpers import ACCOUNT, FROM, TOKEN

SCALE = 10
TELEGRAM_RATE, TELEGRAM_PER_CHAT = 30 * SCALE, 1 * SCALE
SMS_RATE = 10 * SCALE
GOAL_RATIO, GOAL_429 = 1.05, 0.01


class RateLimitedTwilio(FakeTwilio):
    """The fake Twilio REST API, answering 429/20429 above `per_second` in any one second."""

    per_second: int = SMS_RATE
    limited: int = 0
    _times: deque[float]

    async def _create_message(self, request: web.Request) -> web.Response:
        times = self.__dict__.setdefault("_times", deque())
        now = time.monotonic()
        while times and now - times[0] >= 1:
            times.popleft()
        if len(times) >= self.per_second:
            self.requests += 1
            self.limited += 1
            return web.json_response(fixture_json("twilio-error-20429.json"), status=429)
        times.append(now)
        return await super()._create_message(request)


def _rows(channel: str, addresses: list[str]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "channel": channel,
            "address": address,
            "template": "bench",
            "body": f"msg {i}",
            "options": [],
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "awaiting_reply": False,
        }
        for i, address in enumerate(addresses)
    ]


async def _drive(
    url: str, channel: str, sender: Sender, pacing: Pacing, addresses: list[str]
) -> tuple[float, int]:
    """Queue one message per address, run the dispatcher until all are sent; (seconds, unsent)."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(OutboxMessage), _rows(channel, addresses))
        config = DispatcherConfig(pacing={channel: pacing}, poll_interval=0.05)
        dispatcher = Dispatcher(sessions, {channel: sender}, config, NEWS)
        started = time.perf_counter()
        await asyncio.wait_for(dispatcher.run(until_empty=True), timeout=120)
        seconds = time.perf_counter() - started
        async with sessions() as session:
            unsent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
        return seconds, int(unsent or 0)
    finally:
        await engine.dispose()


def _theory(addresses: list[str], rate: float, per_chat: float | None) -> float:
    overall = len(addresses) / rate
    if per_chat is None:
        return overall
    busiest = max(addresses.count(a) for a in set(addresses))
    return max(overall, busiest / per_chat)


async def _telegram(messages: int, chats: int) -> dict[str, float]:
    fake, runner = await start_fake_telegram()
    fake.per_second, fake.per_chat_per_second = TELEGRAM_RATE, TELEGRAM_PER_CHAT
    addresses = [str(1000 + i % chats) for i in range(messages)]
    settings = load_settings(telegram_bot_token="42:BENCH", telegram_api_url=fake.base_url)
    bot = build_bot(settings)
    try:
        async with sqlite_db() as url:
            pacing = Pacing(rate=TELEGRAM_RATE, per_address_gap=1 / TELEGRAM_PER_CHAT)
            seconds, unsent = await _drive(url, "telegram", TelegramSender(bot), pacing, addresses)
    finally:
        await bot.session.close()
        await runner.cleanup()
    calls = fake.sent("sendMessage")  # every request, accepted or answered 429
    accepted = fake._next_message_id - 100  # the fake numbers only the messages it accepts
    delivered = {str(c.payload.get("text")) for c in calls}
    return {
        "seconds": seconds,
        "theory": _theory(addresses, TELEGRAM_RATE, TELEGRAM_PER_CHAT),
        "lost": messages - len(delivered),
        "unsent": unsent,
        "requests": len(calls),
        "limited": len(calls) - accepted,
    }


async def _sms(messages: int) -> dict[str, float]:
    fake = RateLimitedTwilio(ACCOUNT, TOKEN)
    fake.per_second = SMS_RATE
    await fake.start()
    settings = load_settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        twilio_api_url=fake.base_url,
        twilio_messages_per_second=SMS_RATE,
    )
    sender = await TwilioSender.open(settings)
    addresses = [f"+45{20000000 + i}" for i in range(messages)]
    try:
        async with sqlite_db() as url:
            seconds, unsent = await _drive(url, "sms", sender, Pacing(rate=SMS_RATE), addresses)
    finally:
        await sender.close()
        await fake.close()
    delivered = {m["Body"] for m in fake.accepted}
    return {
        "seconds": seconds,
        "theory": _theory(addresses, SMS_RATE, None),
        "lost": messages - len(delivered),
        "unsent": unsent,
        "requests": fake.requests,
        "limited": fake.limited,
    }


def _report(channel: str, messages: int, r: dict[str, float]) -> list[dict[str, Any]]:
    share = r["limited"] / r["requests"] if r["requests"] else 0.0
    return [
        {
            "name": f"{channel}: {messages} messages, wall vs theoretical minimum",
            "value": r["seconds"],
            "unit": "s",
            "baseline": r["theory"],
            "goal": f"ratio <= {GOAL_RATIO}",
            "ok": r["seconds"] <= GOAL_RATIO * r["theory"],
        },
        {
            "name": f"{channel}: messages lost",
            "value": float(r["lost"] + r["unsent"]),
            "unit": "messages",
            "goal": "0",
            "ok": r["lost"] + r["unsent"] == 0,
        },
        {
            "name": f"{channel}: requests answered 429",
            "value": share * 100,
            "unit": "%",
            "goal": "< 1 %",
            "ok": share < GOAL_429,
        },
    ]


def run(messages: int = 3000, sms_messages: int = 3000, chats: int = 300) -> list[dict[str, Any]]:
    telegram = asyncio.run(_telegram(messages, chats))
    sms = asyncio.run(_sms(sms_messages))
    return _report("telegram", messages, telegram) + _report("sms", sms_messages, sms)


if __name__ == "__main__":
    for row in run():
        print(row)  # noqa: T201
