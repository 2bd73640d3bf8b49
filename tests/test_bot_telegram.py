"""Telegram end to end: real aiogram Dispatcher, real HTTP to the fake Bot API, real databases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.telegram.setup import build_dispatcher, set_commands
from core.runtime import Runtime
from mentoring.delivery_news import NEWS
from messaging.delivery import send_due_once
from messaging.telegram import TelegramSender, build_bot
from storage.models import ContactPoint, InboundEvent, InboundKey, Person, Youth
from storage.types import utcnow
from tests.conftest import NOW
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.runtime import make_runtime
from web import inbound as web_inbound
from web import telegram as web_telegram
from web.inbound import settled
from web.keys import RUNTIME

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "external"
CHAT = 4242


@pytest.fixture
def runtime(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], telegram_api: FakeTelegramAPI
) -> Runtime:
    return make_runtime(
        engine, NOW, sessions, telegram_bot_token="42:TEST", telegram_api_url=telegram_api.base_url
    )


@pytest.fixture
async def bot(runtime: Runtime) -> AsyncIterator[Bot]:
    bot = build_bot(runtime.settings, timeout=5)
    yield bot
    await bot.session.close()


class Phone:
    """A Telegram user: builds real updates, feeds them to the dispatcher, drains the outbox."""

    def __init__(self, dp: Dispatcher, bot: Bot, runtime: Runtime, api: FakeTelegramAPI) -> None:
        self.dp, self.bot, self.runtime, self.api = dp, bot, runtime, api
        self.update_id = 1000
        self.read = 0

    def _user(self) -> dict[str, Any]:
        return {"id": CHAT, "is_bot": False, "first_name": "Sara", "language_code": "da"}

    async def feed(self, update: dict[str, Any]) -> list[str]:
        self.update_id += 1
        await self.dp.feed_raw_update(self.bot, {"update_id": self.update_id, **update})
        await send_due_once(
            self.runtime.sessions, {"telegram": TelegramSender(self.bot)}, utcnow(), NEWS
        )
        texts = self.api.texts(CHAT)
        new, self.read = texts[self.read :], len(texts)
        return new

    async def say(self, text: str) -> str:
        message: dict[str, Any] = {
            "message_id": self.update_id,
            "date": 1764147600,
            "text": text,
            "chat": {"id": CHAT, "type": "private", "first_name": "Sara"},
            "from": self._user(),
        }
        if text.startswith("/"):
            message["entities"] = [
                {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
            ]
        return "\n".join(await self.feed({"message": message}))

    async def tap(self, key: str) -> str:
        last = self.api.sent("sendMessage", CHAT)[-1]
        question = {
            "message_id": 555,
            "date": 1764147600,
            "text": last.payload["text"],
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": 42, "is_bot": True, "first_name": "Mentorbot"},
            "reply_markup": last.payload.get("reply_markup"),
        }
        callback = {
            "id": f"cb{self.update_id}",
            "from": self._user(),
            "chat_instance": "1",
            "data": key,
            "message": question,
        }
        return "\n".join(await self.feed({"callback_query": callback}))


@pytest.fixture
def phone(runtime: Runtime, bot: Bot, telegram_api: FakeTelegramAPI) -> Phone:
    return Phone(build_dispatcher(runtime), bot, runtime, telegram_api)


async def test_telegram_youth_signs_up_with_buttons_in_ten_answers(
    phone: Phone, telegram_api: FakeTelegramAPI, runtime: Runtime
) -> None:
    welcome = await phone.say("/start")
    assert "Telegram-chats er ikke end-to-end-krypterede" in welcome
    keyboard = telegram_api.sent("sendMessage", CHAT)[-1].payload["reply_markup"]
    assert [b["callback_data"] for row in keyboard["inline_keyboard"] for b in row] == ["yes", "no"]
    assert "Hvad er dit fornavn?" in await phone.tap("yes")
    answers = telegram_api.sent("answerCallbackQuery")
    edits = telegram_api.sent("editMessageText")
    assert len(answers) == 1 and edits and edits[-1].payload["text"].endswith("> Ja")
    await phone.say("Sara")
    await phone.say("19")
    assert "mere end et år i træk" in await phone.tap("sit:unemployed")
    await phone.tap("no")  # not out of work for more than a year
    await phone.tap("i:it")
    await phone.tap("t:job_search")
    keyboard = telegram_api.sent("sendMessage", CHAT)[-1].payload["reply_markup"]
    keys = [b["callback_data"] for row in keyboard["inline_keyboard"] for b in row]
    assert "t:job_search" not in keys and keys[-1] == "t:done"
    await phone.tap("t:social_skills")
    assert "Hvor bor du?" in await phone.tap("t:done")
    await phone.say("Vejle")
    summary = await phone.tap("skip")
    assert "Interesser: IT og computere" in summary
    assert "Hjælp til: Jobsøgning, Sociale færdigheder" in summary
    done = await phone.tap("yes")
    assert "Vi leder nu efter din mentor" in done
    assert len(telegram_api.sent("answerCallbackQuery")) == 9  # every tap answered
    async with runtime.sessions() as session:
        youth = await session.scalar(select(Youth))
        assert youth is not None and youth.situation == "unemployed" and youth.area == "Vejle"


async def test_telegram_repeated_update_is_handled_once(
    phone: Phone, runtime: Runtime, bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    update = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 1764147600,
            "text": "hej",
            "chat": {"id": CHAT, "type": "private"},
            "from": phone._user(),
        },
    }
    await phone.dp.feed_raw_update(bot, update)
    await phone.dp.feed_raw_update(bot, update)
    await send_due_once(runtime.sessions, {"telegram": TelegramSender(bot)}, utcnow(), NEWS)
    assert len(telegram_api.texts(CHAT)) == 2  # welcome + consent question, once
    async with runtime.sessions() as session:
        keys = list(await session.scalars(select(InboundKey.key)))
        assert keys == ["77"]


async def test_telegram_blocked_by_user_marks_the_contact_point(
    phone: Phone, runtime: Runtime
) -> None:
    await phone.say("/start")
    await phone.feed(
        {
            "my_chat_member": {
                "chat": {"id": CHAT, "type": "private"},
                "from": phone._user(),
                "date": 1764147600,
                "old_chat_member": {
                    "user": {"id": 42, "is_bot": True, "first_name": "b"},
                    "status": "member",
                },
                "new_chat_member": {
                    "user": {"id": 42, "is_bot": True, "first_name": "b"},
                    "status": "kicked",
                    "until_date": 0,
                },
            }
        }
    )
    async with runtime.sessions() as session:
        point = await session.scalar(select(ContactPoint).where(ContactPoint.channel == "telegram"))
        assert point is not None and point.state == "blocked"


async def test_telegram_photo_gets_only_text_reply(phone: Phone) -> None:
    await phone.say("/start")
    reply = await phone.feed(
        {
            "message": {
                "message_id": 9,
                "date": 1764147600,
                "chat": {"id": CHAT, "type": "private"},
                "from": phone._user(),
                "photo": [{"file_id": "a", "file_unique_id": "b", "width": 90, "height": 90}],
            }
        }
    )
    assert reply == ["Beklager, jeg kan kun læse tekst. Skriv dit svar med ord."]


async def test_telegram_commands_menu_in_danish_and_english(
    runtime: Runtime, bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    await set_commands(bot, runtime)
    menus = {
        c.payload.get("language_code"): c.payload["commands"]
        for c in telegram_api.sent("setMyCommands")
    }
    assert set(menus) == {None, "da", "en"}
    assert {"command": "mode", "description": "Foreslå et møde"} in menus["da"]
    assert {"command": "meeting", "description": "Suggest a meeting"} in menus["en"]
    # The same things can be done from either language's menu (a mentor's JOB lead included).
    assert len(menus["da"]) == len(menus["en"])
    assert "job" in {c["command"] for c in menus["en"]}


SAMPLES = sorted(p for p in FIXTURES.glob("telegram-*.json") if "response" not in p.name)


async def test_telegram_webhook_accepts_every_sample_update(
    runtime: Runtime, telegram_api: FakeTelegramAPI
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={
            "public_base_url": "https://mentor.example.dk",
            "telegram_webhook_secret": SecretStr("s3cret"),
        }
    )
    app = web.Application()
    app[RUNTIME] = runtime
    web_inbound.setup(app)
    web_telegram.setup(app, runtime)
    async with TestClient(TestServer(app)) as client:
        [hook] = telegram_api.sent("setWebhook")
        assert hook.payload["url"] == "https://mentor.example.dk/telegram/webhook"
        assert hook.payload["secret_token"] == "s3cret"
        bad = await client.post(
            "/telegram/webhook",
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        )
        assert bad.status == 401
        assert len(SAMPLES) >= 10
        for sample in SAMPLES:
            response = await client.post(
                "/telegram/webhook",
                data=sample.read_bytes(),
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": "s3cret",
                    "Content-Type": "application/json",
                },
            )
            assert response.status == 200, sample.name
        await settled(app)
    async with runtime.sessions() as session:
        keys = {k for k in await session.scalars(select(InboundEvent.key))}
        assert not await session.scalar(select(InboundEvent.id).where(InboundEvent.state != "done"))
        people = list(await session.scalars(select(Person)))
    assert {str(json.loads(s.read_text())["update_id"]) for s in SAMPLES} <= keys
    assert people  # unknown senders started the sign-up


async def test_telegram_long_polling_handles_updates_without_a_public_url(
    runtime: Runtime, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.queue_update(
        {
            "update_id": 5,
            "message": {
                "message_id": 1,
                "date": 1764147600,
                "text": "/start",
                "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "Ida"},
            },
        }
    )
    app = web.Application()
    web_telegram.setup(app, runtime)
    async with TestClient(TestServer(app)):
        for _ in range(100):
            async with runtime.sessions() as session:
                if await session.scalar(select(InboundKey.id)):
                    break
            await asyncio.sleep(0.05)
    assert telegram_api.sent("getUpdates")
    async with runtime.sessions() as session:
        person = await session.scalar(select(Person))
        assert person is not None and person.status == "signing_up"
