"""Sending outbox rows on Telegram through aiogram, and turning Bot API errors into outcomes.

Options travel in `OutboxMessage.options` as a list of `{"key": str, "label": str}` dicts (the
label already rendered in the person's language); here they become an inline keyboard, one button
a row, with `callback_data = key` (keys are short ASCII, at most 64 bytes).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import Response
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from messaging.senders import PermanentFailure, Sent, TemporaryFailure
from settings import Settings
from storage.models import OutboxMessage

MAX_CALLBACK_BYTES = 64
MAX_TEXT = 4096

# aiogram parses every answer as `Response[Message]`, and pydantic caches parametrised generic
# models only weakly: without this reference the class is rebuilt every few dozen messages, each
# time blocking the event loop for 5-40 ms (measured in bench/bench_pacing.py).
RESPONSE_TYPES = (Response[Message],)  # what SendMessage returns


def build_bot(settings: Settings, timeout: float = 30) -> Bot:
    """The aiogram Bot for this deployment, talking to TELEGRAM_API_URL."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.timeout = timeout
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )


def keyboard(options: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """Options as inline buttons; a key longer than Telegram allows is a programming error."""
    if not options:
        return None
    rows = []
    for option in options:
        key = str(option["key"])
        if len(key.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {key[:20]}")
        rows.append([InlineKeyboardButton(text=str(option["label"]), callback_data=key)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


class TelegramSender:
    """messaging.senders.Sender for channel "telegram"."""

    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: OutboxMessage) -> Sent:
        if not message.address:
            raise PermanentFailure("no chat id", state="invalid")
        try:
            result = await self.bot.send_message(
                chat_id=int(message.address),
                text=(message.body or "")[:MAX_TEXT],
                reply_markup=keyboard(list(message.options or [])),
            )
        except TelegramRetryAfter as exc:
            raise TemporaryFailure("429 too many requests", retry_after=exc.retry_after) from None
        except TelegramForbiddenError as exc:
            raise PermanentFailure(f"403 {exc.message}"[:120], state="blocked") from None
        except TelegramBadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise PermanentFailure("400 chat not found", state="invalid") from None
            raise TemporaryFailure(f"400 {exc.message}"[:120]) from None
        except (TelegramServerError, TelegramNetworkError, TimeoutError) as exc:
            raise TemporaryFailure(type(exc).__name__) from None
        return Sent(provider_id=str(result.message_id))
