"""aiogram middlewares: one database transaction per update (with de-duplication by update_id),
then the sender's person and language, handed to handlers as keyword arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from core.runtime import Runtime
from mentoring.conversations import find_sender, seen_before

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class SessionMiddleware(BaseMiddleware):
    """Outer middleware on updates: open the unit of work, skip an update_id seen before.

    The key is inserted in the same transaction as everything the handlers do, so a crash rolls
    both back and Telegram's redelivery is handled afresh; a repeat is acknowledged and ignored.
    An update from the inbound journal comes with its worker's session (the journal's key is
    the de-duplication there): the handlers run in it.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        runtime: Runtime = data["runtime"]
        assert isinstance(event, Update)
        if "session" in data:
            return await handler(event, data)

        async def attempt() -> Any:
            async with runtime.transaction() as session:
                key = ("telegram", str(event.update_id))
                if await seen_before(session, key, now=runtime.clock()):
                    return None
                data["session"] = session
                return await handler(event, data)

        # A dropped connection is retried once before Telegram sees an error.
        return await runtime.retrying(attempt)


class PersonMiddleware(BaseMiddleware):
    """Outer middleware on messages and callbacks: the person behind the chat and their language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        runtime: Runtime = data["runtime"]
        person = None
        if chat is not None and "session" in data:
            found = await find_sender(data["session"], "telegram", str(chat.id))
            person = found.person if found is not None else None
        data["person"] = person
        hint = user.language_code if user is not None else None
        data["language"] = (
            person.language
            if person is not None
            else ("en" if (hint or "").startswith("en") else runtime.settings.default_language)
        )
        return await handler(event, data)
