"""A fake Telegram Bot API server on 127.0.0.1: POST /bot{token}/{method}, as aiogram sends it.

It records every call (method + decoded payload; JSON-valued fields such as reply_markup decoded),
answers like api.telegram.org ({"ok": true, "result": ...} with realistic Message objects) and can
be told to fail: 429 with retry_after, 403 "bot was blocked by the user", 400 "chat not found",
500, for given chats and methods, or by rate limits (overall and per chat, per second).

It keeps a webhook as Telegram does (setWebhook, deleteWebhook, getWebhookInfo with its pending
count and last delivery error; getUpdates is refused with 409 while one is set), and with `token`
set it answers any other token 401 Unauthorized, like a revoked or mistyped token.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Mentorbot", "username": "mentor_test_bot"}
JSON_FIELDS = {
    "reply_markup",
    "entities",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "caption_entities",
}


@dataclass
class Call:
    method: str
    payload: dict[str, Any]

    @property
    def chat_id(self) -> int | None:
        raw = self.payload.get("chat_id")
        return int(raw) if raw is not None else None


@dataclass
class Rule:
    status: int
    description: str
    method: str | None = None
    chat_id: int | None = None
    times: int | None = None  # None: until cleared
    retry_after: int | None = None


@dataclass
class FakeTelegramAPI:
    calls: list[Call] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    per_second: int | None = None
    per_chat_per_second: float | None = None
    base_url: str = ""
    token: str | None = None  # None: any token is accepted
    webhook: dict[str, Any] = field(default_factory=dict)  # getWebhookInfo's fields when set
    pending_update_count: int = 0
    webhook_secret: str | None = None
    _next_message_id: int = 100
    _sent_times: deque[float] = field(default_factory=deque)
    _chat_times: dict[int, deque[float]] = field(default_factory=dict)

    # -- telling it what to do -------------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int | None = None,
        retry_after: int = 1,
    ) -> None:
        """Answer the next matching calls with an error Telegram really returns."""
        descriptions = {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: chat not found",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        self.rules.append(
            Rule(
                status,
                descriptions.get(status, "Error"),
                method,
                chat_id,
                times,
                retry_after if status == 429 else None,
            )
        )

    def clear_failures(self) -> None:
        self.rules.clear()

    def delivery_error(self, message: str, at: float | None = None) -> None:
        """Telegram's record of its last failed POST to the webhook (getWebhookInfo)."""
        self.webhook["last_error_date"] = int(at if at is not None else time.time())
        self.webhook["last_error_message"] = message

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update that the next getUpdates (long polling) returns."""
        self.updates.append(update)

    # -- reading what happened -------------------------------------------------------------
    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [str(c.payload.get("text", "")) for c in self.sent("sendMessage", chat_id)]

    # -- the server ------------------------------------------------------------------------
    def _rule_for(self, method: str, chat_id: int | None) -> Rule | None:
        for rule in self.rules:
            if rule.method not in (None, method) or rule.chat_id not in (None, chat_id):
                continue
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    self.rules.remove(rule)
            return rule
        return None

    def _rate_limited(self, chat_id: int | None) -> bool:
        now = time.monotonic()
        if self.per_second is not None:
            while self._sent_times and now - self._sent_times[0] >= 1:
                self._sent_times.popleft()
            if len(self._sent_times) >= self.per_second:
                return True
        if self.per_chat_per_second is not None and chat_id is not None:
            times = self._chat_times.setdefault(chat_id, deque())
            while times and now - times[0] >= 1:
                times.popleft()
            if len(times) >= self.per_chat_per_second:
                return True
        self._sent_times.append(now)
        if chat_id is not None:
            self._chat_times.setdefault(chat_id, deque()).append(now)
        return False

    def _message(self, payload: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(payload.get("chat_id", 0))
        message_id = int(payload.get("message_id", 0)) or self._next_message_id
        if "message_id" not in payload:
            self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
            "date": int(time.time()),
            "text": payload.get("text", ""),
        }
        if "reply_markup" in payload:
            message["reply_markup"] = payload["reply_markup"]
        return message

    def _result(self, method: str, payload: dict[str, Any]) -> Any:
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return self._message(payload)
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "getUpdates":
            offset = int(payload.get("offset", 0) or 0)
            return [u for u in self.updates if int(u["update_id"]) >= offset]
        if method == "getWebhookInfo":
            info = {"url": "", "has_custom_certificate": False}
            return {**info, **self.webhook, "pending_update_count": self.pending_update_count}
        return True

    def _webhook_call(self, method: str, payload: dict[str, Any]) -> web.Response | None:
        """setWebhook / deleteWebhook as the Bot API answers them (with their descriptions)."""
        if method == "setWebhook":
            url = str(payload.get("url", ""))
            if url and not url.startswith("https://"):
                return _error(
                    400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
                )
            if not url:
                return self._webhook_call("deleteWebhook", payload)
            same = self.webhook.get("url") == url
            self.webhook = {"url": url, "max_connections": int(payload.get("max_connections", 40))}
            if payload.get("allowed_updates"):
                self.webhook["allowed_updates"] = payload["allowed_updates"]
            self.webhook_secret = payload.get("secret_token")
            text = "Webhook is already set" if same else "Webhook was set"
            return web.json_response({"ok": True, "result": True, "description": text})
        if method == "deleteWebhook":
            had = bool(self.webhook.get("url"))
            self.webhook = {}
            if str(payload.get("drop_pending_updates", "")).lower() == "true":
                self.pending_update_count = 0
            text = "Webhook was deleted" if had else "Webhook is already deleted"
            return web.json_response({"ok": True, "result": True, "description": text})
        if method == "getUpdates" and self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                          "use deleteWebhook to delete the webhook first")  # fmt: skip
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await _decode(request)
        chat_id = int(payload["chat_id"]) if "chat_id" in payload else None
        self.calls.append(Call(method, payload))
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        rule = self._rule_for(method, chat_id)
        if rule is None and method == "sendMessage" and self._rate_limited(chat_id):
            rule = Rule(429, "Too Many Requests: retry after 1", retry_after=1)
        if rule is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": rule.status,
                "description": rule.description,
            }
            if rule.retry_after is not None:
                body["parameters"] = {"retry_after": rule.retry_after}
            return web.json_response(body, status=rule.status)
        answered = self._webhook_call(method, payload)
        if answered is not None:
            return answered
        if method == "getUpdates" and not self.updates:
            await asyncio.sleep(0.05)
        if method == "getUpdates":
            result = self._result(method, payload)
            for update in result:
                self.updates.remove(update)
            return web.json_response({"ok": True, "result": result})
        return web.json_response({"ok": True, "result": self._result(method, payload)})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)


async def _decode(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    payload: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else str(value)
        if key in JSON_FIELDS:
            try:
                payload[key] = json.loads(text)
                continue
            except ValueError:
                pass
        payload[key] = text
    return payload


async def start_fake_telegram() -> tuple[FakeTelegramAPI, web.AppRunner]:
    fake = FakeTelegramAPI()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.base_url = f"http://127.0.0.1:{port}"
    return fake, runner


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramAPI]:
    """A running fake Bot API; point aiogram at `telegram_api.base_url`."""
    fake, runner = await start_fake_telegram()
    yield fake
    await runner.cleanup()
