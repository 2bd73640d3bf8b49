"""Assembling the aiogram Dispatcher and the commands menu (Danish and English)."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand

from bot.telegram.handlers import make_router
from bot.telegram.middlewares import SessionMiddleware
from mentoring.runtime import Runtime

# Command names (Telegram allows [a-z0-9_]); the engine understands each in both languages.
MENU: dict[str, list[tuple[str, str]]] = {
    "da": [
        ("hjaelp", "help"),
        ("mode", "meeting"),
        ("timer", "hours"),
        ("skriv", "write"),
        ("usikker", "unsure"),
        ("data", "data"),
        ("sprog", "language"),
        ("stop", "stop"),
    ],
    "en": [
        ("help", "help"),
        ("meeting", "meeting"),
        ("hours", "hours"),
        ("write", "write"),
        ("unsure", "unsure"),
        ("data", "data"),
        ("language", "language"),
        ("stop", "stop"),
    ],
}


def build_dispatcher(runtime: Runtime) -> Dispatcher:
    """The Dispatcher with our router; the Runtime travels as workflow data."""
    dispatcher = Dispatcher(runtime=runtime)
    dispatcher.update.outer_middleware(SessionMiddleware())
    dispatcher.include_router(make_router())
    return dispatcher


def commands(runtime: Runtime, language: str) -> list[BotCommand]:
    return [
        BotCommand(
            command=name,
            description=runtime.renderer.message(
                "telegram_command", language, "telegram", command=meaning
            ),
        )
        for name, meaning in MENU[language]
    ]


async def set_commands(bot: Bot, runtime: Runtime) -> None:
    """The commands menu in Danish (also the default) and English."""
    await bot.set_my_commands(commands(runtime, "da"))
    for language in MENU:
        await bot.set_my_commands(commands(runtime, language), language_code=language)
