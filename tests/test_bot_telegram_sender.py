"""The Telegram sender over real HTTP against the fake Bot API: buttons, 429, 403, 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.delivery_news import NEWS
from messaging.delivery import send_due_once
from messaging.outbox import enqueue
from messaging.telegram import TelegramSender, build_bot
from settings import load_settings
from storage.models import ContactPoint, OutboxMessage
from storage.types import utcnow
from tests.conftest import NOW
from tests.factories import youth
from tests.fakes.telegram_api import FakeTelegramAPI

CHAT = 5550001


def _now() -> datetime:
    """Outbox rows are due from the moment they are written (the real clock)."""
    return utcnow() + timedelta(seconds=1)


@pytest.fixture
async def bot(telegram_api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    settings = load_settings(telegram_bot_token="42:TEST", telegram_api_url=telegram_api.base_url)
    bot = build_bot(settings, timeout=5)
    yield bot
    await bot.session.close()


async def _queue(sessions: async_sessionmaker[AsyncSession], options: list[dict[str, str]]) -> int:
    async with sessions() as session, session.begin():
        person = await youth(session, NOW)
        session.add(ContactPoint(person_id=person.id, channel="telegram", address=str(CHAT)))
        message = await enqueue(
            session,
            channel="telegram",
            address=str(CHAT),
            template="t",
            body="Passer det?",
            person_id=person.id,
            options=options,
        )
        await session.flush()
        return message.id


async def test_telegram_sender_sends_options_as_inline_buttons(
    sessions: async_sessionmaker[AsyncSession], telegram_api: FakeTelegramAPI, bot: Bot
) -> None:
    message_id = await _queue(
        sessions, [{"key": "yes", "label": "Ja"}, {"key": "no", "label": "Nej"}]
    )
    assert await send_due_once(sessions, {"telegram": TelegramSender(bot)}, _now(), NEWS) == 1
    [call] = telegram_api.sent("sendMessage", CHAT)
    assert call.payload["text"] == "Passer det?"
    buttons = call.payload["reply_markup"]["inline_keyboard"]
    assert [[b["text"], b["callback_data"]] for row in buttons for b in row] == [
        ["Ja", "yes"],
        ["Nej", "no"],
    ]
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        assert row is not None and row.status == "sent" and row.provider_id is not None


async def test_telegram_sender_defers_on_429_with_retry_after(
    sessions: async_sessionmaker[AsyncSession], telegram_api: FakeTelegramAPI, bot: Bot
) -> None:
    message_id = await _queue(sessions, [])
    telegram_api.fail(429, retry_after=30)
    await send_due_once(sessions, {"telegram": TelegramSender(bot)}, _now(), NEWS)
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        assert row is not None and row.status == "pending"
        assert 29 <= (row.next_attempt_at - utcnow()).total_seconds() <= 31


@pytest.mark.parametrize(("status", "state"), [(403, "blocked"), (400, "invalid")])
async def test_telegram_sender_marks_blocked_or_unknown_chats(
    sessions: async_sessionmaker[AsyncSession],
    telegram_api: FakeTelegramAPI,
    bot: Bot,
    status: int,
    state: str,
) -> None:
    message_id = await _queue(sessions, [])
    telegram_api.fail(status, chat_id=CHAT)
    await send_due_once(sessions, {"telegram": TelegramSender(bot)}, _now(), NEWS)
    async with sessions() as session:
        row = await session.get(OutboxMessage, message_id)
        point = await session.scalar(select(ContactPoint).where(ContactPoint.channel == "telegram"))
        assert row is not None and row.status == "failed"
        assert point is not None and point.state == state


async def test_fake_telegram_rate_limit_answers_429_per_chat(
    telegram_api: FakeTelegramAPI, bot: Bot
) -> None:
    telegram_api.per_chat_per_second = 1
    await bot.send_message(CHAT, "one")
    with pytest.raises(Exception, match="retry"):
        await bot.send_message(CHAT, "two")
    await bot.send_message(CHAT + 1, "other chat")
    assert telegram_api.texts(CHAT) == ["one", "two"]
