"""Telegram updates into the channel-neutral engine: text, deep links, buttons, media, blocks."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import handle
from bot.events import Incoming
from bot.telegram.middlewares import PersonMiddleware
from core.runtime import Runtime
from mentoring import contacts
from mentoring.conversations import Person

log = logging.getLogger(__name__)


def _incoming(message: Message, **fields: object) -> Incoming:
    user = message.from_user
    return Incoming(
        channel="telegram",
        address=str(message.chat.id),
        language_hint=user.language_code if user else None,
        **fields,  # type: ignore[arg-type]
    )


async def on_start_link(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    runtime: Runtime,
    person: Person | None,
) -> None:
    incoming = _incoming(message, text=message.text, start_payload=command.args)
    await handle(session, runtime, incoming, person=person)


async def on_text(
    message: Message, session: AsyncSession, runtime: Runtime, person: Person | None
) -> None:
    await handle(session, runtime, _incoming(message, text=message.text), person=person)


async def on_contact(
    message: Message, session: AsyncSession, runtime: Runtime, person: Person | None
) -> None:
    """A shared contact card: its phone number is read as if typed."""
    phone = message.contact.phone_number if message.contact else None
    await handle(session, runtime, _incoming(message, text=phone), person=person)


async def on_media(
    message: Message, session: AsyncSession, runtime: Runtime, person: Person | None
) -> None:
    """Photos, stickers, voice notes, documents: we only read text (a caption is ignored)."""
    await handle(session, runtime, _incoming(message, media=True), person=person)


async def on_button(
    query: CallbackQuery,
    session: AsyncSession,
    runtime: Runtime,
    person: Person | None,
    language: str,
) -> None:
    """A tapped button: answered at once, handled as the option, the keyboard replaced by the
    choice so an old question cannot be answered twice."""
    await query.answer()
    message = query.message
    if not isinstance(message, Message) or query.data is None:
        return
    user = query.from_user
    incoming = Incoming(
        channel="telegram",
        address=str(message.chat.id),
        option=query.data,
        language_hint=user.language_code if user else None,
    )
    await handle(session, runtime, incoming, person=person)
    label = next(
        (
            button.text
            for row in (message.reply_markup.inline_keyboard if message.reply_markup else [])
            for button in row
            if button.callback_data == query.data
        ),
        query.data,
    )
    text = runtime.renderer.message(
        "chosen", language, "telegram", text=message.text or "", label=label
    )
    try:
        await message.edit_text(text, reply_markup=None)
    except TelegramAPIError as exc:  # too old to edit, or unchanged: the answer still counts
        log.info("could not edit the question", extra={"reason": type(exc).__name__})


async def on_membership(event: ChatMemberUpdated, session: AsyncSession, runtime: Runtime) -> None:
    """The person blocked (kicked) or unblocked the bot: mark the contact point accordingly."""
    status = event.new_chat_member.status
    state = {"kicked": contacts.State.BLOCKED, "member": contacts.State.OK}.get(status)
    if state is not None:
        reason = "kicked" if state is contacts.State.BLOCKED else None
        chat = str(event.chat.id)
        await contacts.move_address(session, "telegram", chat, state, reason, runtime.clock())


def make_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(on_start_link, CommandStart(deep_link=True))
    router.message.register(on_text, F.text)
    router.message.register(on_contact, F.contact)
    router.message.register(on_media)
    router.callback_query.register(on_button)
    router.my_chat_member.register(on_membership)
    router.message.outer_middleware(PersonMiddleware())
    router.callback_query.outer_middleware(PersonMiddleware())
    return router
