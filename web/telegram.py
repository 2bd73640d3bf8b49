"""Telegram in the web app: the webhook at /telegram/webhook when PUBLIC_BASE_URL is set, long
polling otherwise; both only when TELEGRAM_BOT_TOKEN is set.

The webhook records first (web.inbound): it checks the secret token, validates the update,
records it in the inbound journal under its update_id (a repeat is answered, not recorded
again) and answers 200 once that is committed, so a crash after the answer loses nothing. An
update with a CPR number anywhere in it is never recorded: it is handled before the answer. The
conversation workers feed the recorded updates to aiogram's dispatcher, in the transaction of
their batch (bot.telegram.middlewares.SessionMiddleware uses the session they hand in).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from functools import partial
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import Channel
from bot.telegram.setup import build_dispatcher, set_commands
from core.runtime import Runtime
from mentoring.cpr import contains_cpr
from mentoring.journal import Arrival, Event
from messaging.telegram import build_bot
from web.inbound import record
from web.keys import CHANNELS, TELEGRAM_USERNAME

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


def texts(value: Any) -> list[str]:
    """Every text in a JSON value (whatever field a CPR number could be typed into)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


TELEGRAM_ID_DIGITS = 20  # a signed 64-bit integer, with its sign


def sender(update: Update) -> str:
    """Whose update it is (their chat), so one chat's updates are handled in order."""
    try:
        event = update.event
    except LookupError:  # a kind of update this aiogram does not know (UpdateTypeLookupError)
        event = None
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if chat is not None:
        return str(chat.id)
    user = getattr(event, "from_user", None)
    return f"user:{user.id}" if user is not None else f"update:{update.update_id}"


async def webhook(request: web.Request, bot: Bot, secret: str | None) -> web.Response:
    """Check the secret, validate, record, answer: the update is handled from the journal."""
    if secret is not None:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="Unauthorized")
    try:
        raw = lenient(await request.json(loads=bot.session.json_loads))
        update = Update.model_validate(raw, context={"bot": bot})
    except (ValidationError, ValueError) as exc:
        log.warning("malformed Telegram update ignored", extra={"reason": type(exc).__name__})
        return web.json_response({})
    if contains_cpr("\n".join(texts(raw))):
        # Refused at the door, never written down: handled before answering, in the handlers'
        # own transaction (de-duplicated by update_id), where the engine answers why.
        await request.app[TELEGRAM_DISPATCHER].feed_update(bot, update)
        return web.json_response({})
    address, key = sender(update), str(update.update_id)
    if len(address) > TELEGRAM_ID_DIGITS + len("user:"):
        # Telegram's ids are 64-bit integers: a longer one is no update of theirs.
        log.warning("malformed Telegram update ignored", extra={"reason": "id out of range"})
        return web.json_response({})
    arrival = Arrival(channel="telegram", key=key, address=address, payload=raw)
    await record(request, arrival)
    return web.json_response({})


async def handle_recorded(
    bot: Bot, dispatcher: Dispatcher, session: AsyncSession, _runtime: Runtime, event: Event
) -> None:
    """A conversation worker's turn with a recorded update: aiogram's handlers, in `session`."""
    update = Update.model_validate(event.payload, context={"bot": bot})
    await dispatcher.feed_update(bot, update, session=session)


def update_text(event: Event) -> str | None:
    message = event.payload.get("message")
    return message.get("text") if isinstance(message, dict) else None


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
        handler = partial(webhook, bot=bot, secret=secret.get_secret_value() if secret else None)
        app.router.add_post(WEBHOOK_PATH, handler)
        app[CHANNELS]["telegram"] = Channel(partial(handle_recorded, bot, dispatcher), update_text)
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
