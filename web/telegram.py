"""Telegram in the web app: the webhook at /telegram/webhook when PUBLIC_BASE_URL is set, long
polling otherwise; both only when TELEGRAM_BOT_TOKEN is set.

The webhook handler runs our handlers before answering (`handle_in_background=False`): an update
is acknowledged only after its transaction committed, so a crash makes Telegram redeliver it
(aiogram's default answers at once and would lose it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.telegram.setup import build_dispatcher, set_commands
from core.runtime import Runtime
from messaging.telegram import build_bot
from web.keys import TELEGRAM_USERNAME

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
TELEGRAM_BOT = web.AppKey("telegram_bot", Bot)
TELEGRAM_DISPATCHER = web.AppKey("telegram_dispatcher", Dispatcher)
POLLING_TASK = web.AppKey("telegram_polling", asyncio.Task[None])


def lenient(update: Any) -> Any:
    """Fill fields some senders leave out (documentation examples omit `is_bot` and
    `chat_instance`, older ones `file_unique_id`), so such an update is handled, not refused."""
    if not isinstance(update, dict):
        return update
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        event = update.get(kind)
        if not isinstance(event, dict):
            continue
        sender = event.get("from")
        if isinstance(sender, dict):
            sender.setdefault("is_bot", False)
        if kind == "callback_query":
            event.setdefault("chat_instance", "")
        photos = event.get("photo")
        for size in photos if isinstance(photos, list) else []:  # older captures lack the id
            if isinstance(size, dict) and isinstance(size.get("file_id"), str):
                size.setdefault("file_unique_id", size["file_id"][-16:])
    return update


class RecordFirstRequestHandler(SimpleRequestHandler):
    """Handles the update before answering; a malformed update is acknowledged and logged, since
    Telegram sending it again would not make it valid."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            update = lenient(await request.json(loads=bot.session.json_loads))
            result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
                bot, update, **self.data
            )
        except (ValidationError, ValueError) as exc:
            log.warning("malformed Telegram update ignored", extra={"reason": type(exc).__name__})
            return web.json_response({})
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def setup(app: web.Application, runtime: Runtime) -> None:
    """Register the Telegram channel on the app, if it is configured."""
    settings = runtime.settings
    if not settings.telegram_enabled:
        return
    bot = build_bot(settings)
    dispatcher = build_dispatcher(runtime)
    app[TELEGRAM_BOT], app[TELEGRAM_DISPATCHER] = bot, dispatcher
    if settings.public_base_url:
        secret = settings.telegram_webhook_secret
        RecordFirstRequestHandler(
            dispatcher=dispatcher,
            bot=bot,
            handle_in_background=False,
            secret_token=secret.get_secret_value() if secret else None,
        ).register(app, path=WEBHOOK_PATH)
        app.on_startup.append(_set_webhook)
    else:
        app.on_startup.append(_start_polling)
    app.on_cleanup.append(_stop)


async def _menu(app: web.Application) -> None:
    """The commands menu, and the bot's username for the dashboard's invitation links."""
    bot, runtime = app[TELEGRAM_BOT], app[TELEGRAM_DISPATCHER]["runtime"]
    try:
        await set_commands(bot, runtime)
        me = await bot.me()
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("could not set the Telegram commands menu", extra={"reason": str(exc)[:80]})
        return
    if me.username:
        app[TELEGRAM_USERNAME] = me.username


async def _set_webhook(app: web.Application) -> None:
    bot, dispatcher = app[TELEGRAM_BOT], app[TELEGRAM_DISPATCHER]
    settings = dispatcher["runtime"].settings
    secret = settings.telegram_webhook_secret
    try:
        await bot.set_webhook(
            f"{settings.public_base_url}{WEBHOOK_PATH}",
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
    except (TelegramAPIError, TelegramNetworkError) as exc:
        log.warning("could not register the Telegram webhook", extra={"reason": str(exc)[:80]})
    await _menu(app)


async def _start_polling(app: web.Application) -> None:
    bot, dispatcher = app[TELEGRAM_BOT], app[TELEGRAM_DISPATCHER]
    await _menu(app)
    with contextlib.suppress(TelegramAPIError, TelegramNetworkError):
        await bot.delete_webhook(drop_pending_updates=False)
    app[POLLING_TASK] = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
    )


async def _stop(app: web.Application) -> None:
    task = app.get(POLLING_TASK)
    if task is not None:
        with contextlib.suppress(RuntimeError):
            await app[TELEGRAM_DISPATCHER].stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
    await app[TELEGRAM_BOT].session.close()
