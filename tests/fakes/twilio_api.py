"""A fake Twilio REST API over real HTTP: `POST /2010-04-01/Accounts/{AC}/Messages.json`.

It answers with the documented bodies from the shared external fixtures (201 created, 429/20429,
500, 400/21610, 400/21211, ...), checks HTTP basic auth like Twilio does, and records what it
accepted so tests can assert what a phone would have received. Failures are scripted per `To`.
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

    def fail(self, to: str, *kinds: str) -> None:
        """Answer the next requests to `to` with these failures, in order (then succeed)."""
        self.scripted.setdefault(to, []).extend(kinds)

    def bodies_to(self, to: str) -> list[str]:
        return [m["Body"] for m in self.accepted if m["To"] == to]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create_message)
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
