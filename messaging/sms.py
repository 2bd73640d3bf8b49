"""Outbound SMS through Twilio's REST API with the twilio library's async client.

Twilio's answers become the outbox's language: 429/5xx/timeouts are temporary, an opted-out or
invalid number is permanent and marks the contact point. The text is kept GSM-7 and link-free
(Danish operators filter links) before it leaves.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from logsetup import mask_phone
from messaging.gsm7 import to_gsm7
from messaging.senders import PermanentFailure, Sent, TemporaryFailure
from settings import Settings
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

STATUS_PATH = "/sms/status"
SEND_TIMEOUT = 10.0  # seconds; Twilio usually answers in well under one
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")

# Twilio error codes that say "never send to this number again", and what the number becomes.
PERMANENT_CODES: dict[int, tuple[str, str]] = {
    21610: ("opted_out", "twilio 21610 unsubscribed"),
    21211: ("invalid", "twilio 21211 invalid number"),
    21614: ("invalid", "twilio 21614 not sms-capable"),
}


def without_links(text: str) -> str:
    return re.sub(r" {2,}", " ", _LINK.sub("", text)).strip()


def sms_text(body: str, allow_links: bool) -> str:
    """What actually goes on the wire: GSM-7 only, links removed unless allowed."""
    text = to_gsm7(body)
    return text if allow_links else without_links(text)


def classify(exc: TwilioRestException) -> TemporaryFailure | PermanentFailure:
    code = int(exc.code) if exc.code is not None else None
    if code in PERMANENT_CODES:
        state, reason = PERMANENT_CODES[code]
        return PermanentFailure(reason, state)
    # 429/20429, 5xx, and also other 4xx (a wrong token or sender is our configuration, not
    # the person's number: retry, then dead-letter where the coordinator sees it).
    return TemporaryFailure(f"twilio {exc.status} {code or ''}".strip())


class AiohttpTwilioClient(AsyncHttpClient):
    """The twilio library's async HTTP client contract on one shared aiohttp session.

    Twilio's own AsyncTwilioHttpClient passes `aiohttp.BasicAuth`, which aiohttp now deprecates;
    this one sends the same Authorization header itself.
    """

    def __init__(self) -> None:
        super().__init__(log, True, None)
        self.session = aiohttp.ClientSession()

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the twilio interface; see TwilioSender
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        async with self.session.request(
            method.upper(),
            url,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
        ) as response:
            return Response(response.status, await response.text(), response.headers)

    async def close(self) -> None:
        await self.session.close()


class TwilioSender:
    """A `messaging.senders.Sender` for channel "sms"."""

    channel = "sms"

    def __init__(self, settings: Settings, http: AiohttpTwilioClient) -> None:
        if not settings.sms_enabled or settings.twilio_auth_token is None:
            raise ValueError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to send SMS")
        self.settings = settings
        self.http = http
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            http_client=http,
        )
        self.client.api.base_url = settings.twilio_api_url
        self.timeout = SEND_TIMEOUT

    @classmethod
    async def open(cls, settings: Settings) -> TwilioSender:
        """Build inside the running loop: the HTTP client owns an aiohttp session."""
        return cls(settings, AiohttpTwilioClient())

    async def close(self) -> None:
        await self.http.close()

    def status_callback(self, message: OutboxMessage) -> str | None:
        base = self.settings.public_base_url
        return f"{base}{STATUS_PATH}?id={message.id}" if base else None

    async def send(self, message: OutboxMessage) -> Sent:
        if not message.address:
            raise PermanentFailure("no address", "invalid")
        params: dict[str, object] = {
            "to": message.address,
            "body": sms_text(message.body or "", self.settings.sms_allow_links),
        }
        if self.settings.twilio_messaging_service_sid:
            params["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        if self.settings.twilio_from_number:
            params["from_"] = self.settings.twilio_from_number
        callback = self.status_callback(message)
        if callback:
            params["status_callback"] = callback
        try:
            async with asyncio.timeout(self.timeout):
                created = await self.client.messages.create_async(**params)
        except TwilioRestException as exc:
            failure = classify(exc)
            log.info(
                "twilio refused",
                extra={"to": mask_phone(message.address), "status": exc.status, "code": exc.code},
            )
            raise failure from None
        except TimeoutError:
            raise TemporaryFailure("twilio timeout") from None
        except aiohttp.ClientError as exc:
            raise TemporaryFailure(f"twilio {type(exc).__name__}") from None
        return Sent(provider_id=created.sid)
