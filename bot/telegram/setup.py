"""Assembling the aiogram Dispatcher and the commands menu, one per language: the command names
and what each runs come from the words catalogues (templates/locales/<code>/words.yaml)."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand

from bot.telegram.handlers import make_router
from bot.telegram.middlewares import SessionMiddleware
from bot.understanding.words import words
from core.runtime import Runtime


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
        for name, meaning in words().menus.get(language, [])
    ]


async def set_commands(bot: Bot, runtime: Runtime) -> None:
    """The commands menu in Danish (also the default) and English."""
    await bot.set_my_commands(commands(runtime, "da"))
    for language in words().menus:
        await bot.set_my_commands(commands(runtime, language), language_code=language)
