"""Provider set-up from the command line: the Telegram webhook and Twilio's callback URLs.

Both are idempotent: running them again changes nothing that is already right and says so. The
doctor (ops.doctor) reads the same state through the same functions, so what `configure` sets is
exactly what the doctor checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from settings import Settings

if TYPE_CHECKING:
    from aiogram import Bot
    from twilio.rest import Client

TELEGRAM_PATH = "/telegram/webhook"  # web.telegram.WEBHOOK_PATH
SMS_INBOUND_PATH = "/sms/inbound"  # web.sms
SMS_STATUS_PATH = "/sms/status"  # messaging.sms.STATUS_PATH
TWILIO_DEFAULT_API = "https://api.twilio.com"


class SetupError(Exception):
    """A provider refused or the configuration lacks something; the message says what to do."""


def public_url(settings: Settings, path: str) -> str:
    if not settings.public_base_url:
        raise SetupError("PUBLIC_BASE_URL is not set: set it to the https address of this server")
    return settings.public_base_url + path


# -- Telegram ----------------------------------------------------------------------------------


@asynccontextmanager
async def telegram_bot(settings: Settings, seconds: float = 15) -> AsyncIterator[Bot]:
    """A Bot on the configured Bot API server, its HTTP session closed afterwards."""
    from messaging.telegram import build_bot

    if not settings.telegram_enabled:
        raise SetupError("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off")
    bot = build_bot(settings, timeout=seconds)
    try:
        yield bot
    finally:
        await bot.session.close()


def telegram_error(exc: Exception) -> str:
    """One line for a Bot API failure, with what to do about it."""
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    if isinstance(exc, TelegramUnauthorizedError):
        return "Telegram refuses the token (401): copy TELEGRAM_BOT_TOKEN again from @BotFather"
    if isinstance(exc, TelegramNetworkError):
        return f"Telegram cannot be reached ({exc}): check TELEGRAM_API_URL and the firewall"
    return f"Telegram answered: {exc}"


async def webhook_info_lines(settings: Settings) -> list[str]:
    async with telegram_bot(settings) as bot:
        info = await bot.get_webhook_info()
    lines = [f"url: {info.url or '(none: the bot uses polling)'}"]
    lines.append(f"pending updates: {info.pending_update_count}")
    if info.last_error_date:
        lines.append(f"last error: {info.last_error_date:%Y-%m-%d %H:%M} {info.last_error_message}")
    if info.allowed_updates:
        lines.append(f"allowed updates: {', '.join(info.allowed_updates)}")
    return lines


async def set_webhook(settings: Settings, allowed_updates: list[str]) -> str:
    """Point Telegram at PUBLIC_BASE_URL/telegram/webhook with our secret token (as serve does)."""
    url = public_url(settings, TELEGRAM_PATH)
    secret = settings.telegram_webhook_secret
    async with telegram_bot(settings) as bot:
        before = await bot.get_webhook_info()
        await bot.set_webhook(
            url,
            secret_token=secret.get_secret_value() if secret else None,
            allowed_updates=allowed_updates,
        )
    if before.url == url:
        return f"The Telegram webhook already pointed at {url}; its secret and updates are renewed."
    return f"The Telegram webhook now points at {url}."


async def delete_webhook(settings: Settings) -> str:
    async with telegram_bot(settings) as bot:
        before = await bot.get_webhook_info()
        await bot.delete_webhook(drop_pending_updates=False)
    if not before.url:
        return "There was no Telegram webhook; nothing changed."
    return "The Telegram webhook is deleted; serve will use polling when PUBLIC_BASE_URL is unset."


# -- Twilio ------------------------------------------------------------------------------------


def messaging_base(settings: Settings) -> str:
    """Twilio's Messaging Services live on their own host; a proxy or test server serves both."""
    if settings.twilio_api_url == TWILIO_DEFAULT_API:
        return "https://messaging.twilio.com"
    return settings.twilio_api_url


@asynccontextmanager
async def twilio_client(settings: Settings) -> AsyncIterator[Client]:
    from twilio.rest import Client

    from messaging.sms import AiohttpTwilioClient

    if not settings.sms_enabled or settings.twilio_auth_token is None:
        raise SetupError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set: SMS is off")
    http = AiohttpTwilioClient()
    try:
        client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            http_client=http,
        )
        client.api.base_url = settings.twilio_api_url
        client.messaging.base_url = messaging_base(settings)
        yield client
    finally:
        await http.close()


def twilio_error(exc: Exception) -> str:
    from twilio.base.exceptions import TwilioRestException

    if isinstance(exc, TwilioRestException):
        if exc.status == 401:
            return (
                "Twilio refuses the login (401): copy TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN "
                "again from the Twilio console"
            )
        if exc.status == 404:
            return f"Twilio does not know it (404, code {exc.code}): check the SID"
        return f"Twilio answered {exc.status} (code {exc.code}): {exc.msg}"
    return f"Twilio cannot be reached ({type(exc).__name__}): check TWILIO_API_URL and the firewall"


@dataclass
class Sender:
    """The sender as Twilio holds it: the number or the messaging service, and its URLs."""

    kind: str  # "number" or "service"
    sid: str
    label: str
    has_sms: bool
    inbound_url: str | None
    status_url: str | None  # a service's; a number's status URL goes with each message
    numbers_use_own_webhook: bool = False


async def fetch_sender(client: Client, settings: Settings) -> Sender:
    """Look up TWILIO_MESSAGING_SERVICE_SID (preferred, as the sender uses it) or the number."""
    if settings.twilio_messaging_service_sid:
        service = client.messaging.v1.services(settings.twilio_messaging_service_sid)
        found = await service.fetch_async()
        numbers = await service.phone_numbers.list_async(limit=50)
        has_sms = any("sms" in [c.lower() for c in (n.capabilities or [])] for n in numbers)
        return Sender(
            "service",
            str(found.sid),
            f"messaging service {found.sid}",
            has_sms,
            found.inbound_request_url,
            found.status_callback,
            bool(found.use_inbound_webhook_on_number),
        )
    if not settings.twilio_from_number:
        raise SetupError(
            "Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID: there is no sender"
        )
    matches = await client.incoming_phone_numbers.list_async(
        phone_number=settings.twilio_from_number, limit=1
    )
    if not matches:
        raise SetupError(
            f"The account has no number {settings.twilio_from_number}: check TWILIO_FROM_NUMBER "
            "(with +45) or buy the number in the Twilio console"
        )
    number = matches[0]
    capabilities: dict[str, Any] = number.capabilities or {}
    return Sender(
        "number",
        str(number.sid),
        f"number {number.phone_number}",
        bool(capabilities.get("sms")),
        number.sms_url,
        None,
    )


async def configure_twilio(settings: Settings) -> list[str]:
    """Set the sender's inbound (and a service's status) URL to ours; only what differs."""
    inbound = public_url(settings, SMS_INBOUND_PATH)
    status = public_url(settings, SMS_STATUS_PATH)
    async with twilio_client(settings) as client:
        sender = await fetch_sender(client, settings)
        if sender.kind == "number":
            if sender.inbound_url == inbound:
                return [f"The {sender.label} already sends incoming SMS to {inbound}."]
            await client.incoming_phone_numbers(sender.sid).update_async(
                sms_url=inbound, sms_method="POST"
            )
            return [f"The {sender.label} now sends incoming SMS to {inbound}."]
        wanted = (inbound, status, False)
        if (sender.inbound_url, sender.status_url, sender.numbers_use_own_webhook) == wanted:
            return [f"The {sender.label} already sends incoming SMS and statuses to us."]
        await client.messaging.v1.services(sender.sid).update_async(
            inbound_request_url=inbound,
            inbound_method="POST",
            status_callback=status,
            use_inbound_webhook_on_number=False,
        )
        return [f"The {sender.label} now sends incoming SMS to {inbound} and statuses to {status}."]
