"""On Telegram (the fake Bot API over HTTP): a 17-year-old's text during a pair is offered for
passing on with Ja/Nej buttons, a relayed message carries a Svar button, and the menu has
/besked and /status."""

from __future__ import annotations

from sqlalchemy import select

from core.runtime import Runtime
from mentoring.delivery_news import NEWS
from messaging.delivery import send_due_once
from messaging.telegram import TelegramSender
from storage.models import ContactPoint, Match
from storage.types import utcnow
from tests.conftest import NOW
from tests.factories import active_pair
from tests.fakes.chat import Chat
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_bot_telegram import CHAT, Phone, bot, phone, runtime

__all__ = ["bot", "phone", "runtime"]  # the Telegram test module's fixtures, used here too


async def _pair(runtime: Runtime) -> Chat:
    """Sara (the Telegram phone) and Henrik (on the simulator) in a running pair."""
    async with runtime.sessions() as session, session.begin():
        y, m, _ = await active_pair(session, NOW)
        session.add(ContactPoint(person_id=y.id, channel="telegram", address=str(CHAT)))
        session.add(ContactPoint(person_id=m.id, channel="web", address="henrik"))
    return Chat(runtime, address="henrik")


async def test_a_late_text_is_offered_with_buttons_and_answered_with_the_svar_button(
    phone: Phone, telegram_api: FakeTelegramAPI, runtime: Runtime
) -> None:
    henrik = await _pair(runtime)
    offer = await phone.say("jeg kommer 10 min for sent 🙈")
    assert "Skal jeg sende det til Henrik?" in offer and "forstod" not in offer
    keyboard = telegram_api.sent("sendMessage", CHAT)[-1].payload["reply_markup"]
    assert [b["callback_data"] for row in keyboard["inline_keyboard"] for b in row] == [
        "yes",
        "no",
    ]
    assert "Sendt til Henrik." in await phone.tap("yes")
    assert (await henrik.text()).startswith("Besked fra Sara: jeg kommer 10 min for sent")
    reply = await henrik.text("besked ingen stress, jeg venter ved indgangen")
    assert "Sendt til Sara." in reply
    await send_due_once(runtime.sessions, {"telegram": TelegramSender(phone.bot)}, utcnow(), NEWS)
    relayed = telegram_api.sent("sendMessage", CHAT)[-1].payload
    assert relayed["text"].startswith("Besked fra Henrik: ingen stress")
    assert "Svar med BESKED" not in relayed["text"]  # Telegram answers with the button
    async with runtime.sessions() as session:
        match_id = await session.scalar(select(Match.id))
    buttons = [
        b["callback_data"] for row in relayed["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert buttons == [f"relay:{match_id}"]
    assert "Hvad vil du skrive til Henrik?" in await phone.tap(f"relay:{match_id}")
    assert "Sendt til Henrik." in await phone.say("super tak 😊")
    assert "Besked fra Sara: super tak" in await henrik.text()


async def test_status_from_the_telegram_menu(phone: Phone, runtime: Runtime) -> None:
    await _pair(runtime)
    status = await phone.say("/status")
    assert status.startswith("Intet møde aftalt. Timer denne måned: 0 af 3.")
