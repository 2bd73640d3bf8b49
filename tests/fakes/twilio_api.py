"""A fake Twilio REST API over real HTTP: `POST /2010-04-01/Accounts/{AC}/Messages.json`.

It answers with the documented bodies from the shared external fixtures (201 created, 429/20429,
500, 400/21610, 400/21211, ...), checks HTTP basic auth like Twilio does, and records what it
accepted so tests can assert what a phone would have received. Failures are scripted per `To`.

For the set-up commands and the doctor it also serves the account (`Accounts/{AC}.json`), the
account's numbers (`IncomingPhoneNumbers.json`, list by PhoneNumber and update SmsUrl) and
Messaging Services (`/v1/Services/{MG}` fetch and update, and its `PhoneNumbers`), with the
documented bodies and errors (401/20003 for a wrong login, 404/20404 for an unknown SID).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

EXTERNAL = Path(
    os.environ.get(
        "EXTERNAL_FIXTURES",
        Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "external",
    )
)


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXTERNAL / name).read_text())
    return data


def fixture_form(name: str) -> str:
    """A form body as Twilio POSTs it (the `.urlencoded.txt` fixtures)."""
    return (EXTERNAL / name).read_text().strip()


# HTTP status and body file for each scripted failure.
ERRORS: dict[str, tuple[int, str | None]] = {
    "429": (429, "twilio-error-20429.json"),
    "500": (500, None),
    "21610": (400, "twilio-error-21610.json"),
    "21211": (400, "twilio-error-21211.json"),
    "21614": (400, None),
    "timeout": (0, None),
}


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    accepted: list[dict[str, str]] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)  # loop time of each accepted message
    requests: int = 0
    scripted: dict[str, list[str]] = field(default_factory=dict)  # To -> failures to answer next
    delay: float = 0.0  # seconds before answering each request (slow network)
    hang_seconds: float = 30.0
    _runner: web.AppRunner | None = None
    base_url: str = ""
    account_status: str = "active"
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # PN sid -> resource
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # MG sid -> resource
    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (sid, form)

    def add_number(self, phone_number: str, *, sms: bool = True, sms_url: str = "") -> str:
        """A number the account owns, as IncomingPhoneNumbers returns it."""
        sid = "PN" + secrets.token_hex(16)
        self.numbers[sid] = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "capabilities": {"voice": True, "sms": sms, "mms": False, "fax": False},
            "date_created": "Thu, 26 Nov 2026 09:00:00 +0000",
            "date_updated": "Thu, 26 Nov 2026 09:00:00 +0000",
            "friendly_name": phone_number,
            "phone_number": phone_number,
            "origin": "twilio",
            "sid": sid,
            "sms_application_sid": "",
            "sms_fallback_method": "POST",
            "sms_fallback_url": "",
            "sms_method": "POST",
            "sms_url": sms_url,
            "status": "in-use",
            "status_callback": "",
            "status_callback_method": "POST",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{sid}.json",
        }
        return sid

    def add_service(self, phone_number: str, *, sms: bool = True, own_webhooks: bool = True) -> str:
        """A Messaging Service with one number in its sender pool."""
        sid = "MG" + secrets.token_hex(16)
        self.services[sid] = {
            "account_sid": self.account_sid,
            "date_created": "2026-11-26T09:00:00Z",
            "date_updated": "2026-11-26T09:00:00Z",
            "fallback_method": "POST",
            "fallback_url": None,
            "friendly_name": "Erhvervsmentor",
            "inbound_method": "POST",
            "inbound_request_url": None,
            "sid": sid,
            "status_callback": None,
            "sticky_sender": True,
            "use_inbound_webhook_on_number": own_webhooks,
            "url": f"{self.base_url}/v1/Services/{sid}",
            "links": {"phone_numbers": f"{self.base_url}/v1/Services/{sid}/PhoneNumbers"},
            "_numbers": [
                {
                    "account_sid": self.account_sid,
                    "capabilities": ["SMS", "Voice"] if sms else ["Voice"],
                    "country_code": "DK",
                    "date_created": "2026-11-26T09:00:00Z",
                    "date_updated": "2026-11-26T09:00:00Z",
                    "phone_number": phone_number,
                    "service_sid": sid,
                    "sid": "PN" + secrets.token_hex(16),
                    "url": f"{self.base_url}/v1/Services/{sid}/PhoneNumbers",
                }
            ],
        }
        return sid

    def fail(self, to: str, *kinds: str) -> None:
        """Answer the next requests to `to` with these failures, in order (then succeed)."""
        self.scripted.setdefault(to, []).extend(kinds)

    def bodies_to(self, to: str) -> list[str]:
        return [m["Body"] for m in self.accepted if m["To"] == to]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create_message)
        app.router.add_get("/2010-04-01/Accounts/{account}.json", self._account)
        numbers = "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers"
        app.router.add_get(numbers + ".json", self._list_numbers)
        app.router.add_post(numbers + "/{sid}.json", self._update_number)
        app.router.add_get("/v1/Services/{sid}", self._service)
        app.router.add_post("/v1/Services/{sid}", self._update_service)
        app.router.add_get("/v1/Services/{sid}/PhoneNumbers", self._service_numbers)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        try:
            login, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return scheme == "Basic" and (login, password) == (self.account_sid, self.auth_token)

    def _refused(self, request: web.Request) -> web.Response | None:
        account = request.match_info.get("account", self.account_sid)
        if self._authorised(request) and account == self.account_sid:
            return None
        body = {
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }
        return web.json_response(body, status=401)

    @staticmethod
    def _not_found(path: str) -> web.Response:
        body = {
            "code": 20404,
            "message": f"The requested resource {path} was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        }
        return web.json_response(body, status=404)

    async def _account(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        sid = self.account_sid
        return web.json_response(
            {
                "date_created": "Thu, 26 Nov 2026 09:00:00 +0000",
                "date_updated": "Thu, 26 Nov 2026 09:00:00 +0000",
                "friendly_name": "Jobcenter test account",
                "owner_account_sid": sid,
                "sid": sid,
                "status": self.account_status,
                "type": "Full",
                "uri": f"/2010-04-01/Accounts/{sid}.json",
                "subresource_uris": {},
            }
        )

    async def _list_numbers(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        wanted = request.query.get("PhoneNumber")
        found = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
        uri = request.path_qs
        return web.json_response(
            {
                "incoming_phone_numbers": found,
                "page": 0,
                "page_size": int(request.query.get("PageSize", 50)),
                "start": 0,
                "end": max(len(found) - 1, 0),
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
            }
        )

    async def _update_number(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        number = self.numbers.get(request.match_info["sid"])
        if number is None:
            return self._not_found(request.path)
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.updates.append((number["sid"], form))
        for field_name, key in (("SmsUrl", "sms_url"), ("SmsMethod", "sms_method"),
                                ("StatusCallback", "status_callback")):  # fmt: skip
            if field_name in form:
                number[key] = form[field_name]
        return web.json_response(number)

    def _public(self, service: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in service.items() if not k.startswith("_")}

    async def _service(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        service = self.services.get(request.match_info["sid"])
        if service is None:
            return self._not_found(f"/Services/{request.match_info['sid']}")
        return web.json_response(self._public(service))

    async def _update_service(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        service = self.services.get(request.match_info["sid"])
        if service is None:
            return self._not_found(f"/Services/{request.match_info['sid']}")
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.updates.append((service["sid"], form))
        for field_name, key in (("InboundRequestUrl", "inbound_request_url"),
                                ("InboundMethod", "inbound_method"),
                                ("StatusCallback", "status_callback")):  # fmt: skip
            if field_name in form:
                service[key] = form[field_name]
        if "UseInboundWebhookOnNumber" in form:
            service["use_inbound_webhook_on_number"] = form["UseInboundWebhookOnNumber"] == "true"
        return web.json_response(self._public(service))

    async def _service_numbers(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        service = self.services.get(request.match_info["sid"])
        if service is None:
            return self._not_found(f"/Services/{request.match_info['sid']}")
        url = f"{self.base_url}{request.path}"
        meta = {"page": 0, "page_size": 50, "first_page_url": url, "previous_page_url": None,
                "next_page_url": None, "key": "phone_numbers", "url": url}  # fmt: skip
        return web.json_response({"meta": meta, "phone_numbers": service["_numbers"]})

    async def _create_message(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self._authorised(request) or request.match_info["account"] != self.account_sid:
            return web.json_response(
                {
                    "code": 20003,
                    "message": "Authenticate",
                    "more_info": "https://www.twilio.com/docs/errors/20003",
                    "status": 401,
                },
                status=401,
            )
        form = {k: str(v) for k, v in (await request.post()).items()}
        to = form.get("To", "")
        pending = self.scripted.get(to)
        if pending:
            kind = pending.pop(0)
            status, body_file = ERRORS[kind]
            if kind == "timeout":
                await asyncio.sleep(self.hang_seconds)
                status = 504
            if body_file is not None:
                return web.json_response(fixture_json(body_file), status=status)
            code = int(kind) if kind.isdigit() and len(kind) == 5 else 20500
            return web.json_response(
                {
                    "code": code,
                    "message": "Internal Server Error" if status >= 500 else "Bad request",
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status,
                },
                status=status,
            )
        self.accepted.append(form)
        self.accepted_at.append(asyncio.get_running_loop().time())
        return web.json_response(self._created(form), status=201)

    def _created(self, form: dict[str, str]) -> dict[str, Any]:
        service = form.get("MessagingServiceSid")
        name = (
            "twilio-create-message-response-messaging-service.json"
            if service
            else "twilio-create-message-response-queued.json"
        )
        body = copy.deepcopy(fixture_json(name))
        sid = "SM" + secrets.token_hex(16)
        body.update(
            sid=sid,
            account_sid=self.account_sid,
            to=form.get("To"),
            body=form.get("Body"),
            uri=f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        )
        if service:
            body["messaging_service_sid"] = service
        else:
            body["from"] = form.get("From")
        return body
