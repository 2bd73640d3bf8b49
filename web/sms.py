"""Twilio webhooks: `POST /sms/inbound` (a text to us) and `POST /sms/status` (delivery news).

Both check `X-Twilio-Signature` against PUBLIC_BASE_URL + the path Twilio called (behind a
proxy the URL the app sees is not the one Twilio signed); a forged request gets 403
and changes nothing. Inbound answers empty TwiML at once: replies go through the outbox.

This module only checks and records (ARCHITECTURE.md, "A message in"): a number that floods us
is answered once and then ignored for a while (FloodGate, mentoring.flood); every other text,
STOP and START and pictures included, is recorded in the inbound journal under its MessageSid
(a repeat is answered, not recorded again) and answered once committed; the conversation
workers (bot.inbound) hand it to the engine, whose channel rules (`bot.channel_rules`) apply.
A text with a CPR number is never recorded: the engine refuses it before answering.
Delivery news goes to `mentoring.sms_status`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from enum import StrEnum

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from logsetup import mask_phone
from mentoring import sms_status
from mentoring.cpr import contains_cpr
from mentoring.flood import flooded
from mentoring.journal import Arrival
from web.inbound import record
from web.keys import DISPATCHER, RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FLOOD_LIMIT = 60  # texts read per number and window
FLOOD_WINDOW = 600.0  # seconds
# What the journal keeps of an inbound text's form (the conversation workers read Body and
# NumMedia; the rest is Twilio's account and routing).
KEPT = ("Body", "NumMedia", "To")


class Verdict(StrEnum):
    READ = "read"  # under the limit: to the engine
    ANSWER = "answer"  # the first text over the limit: one polite answer, an inbox item
    DROP = "drop"  # over the limit and already answered: ignored


class FloodGate:
    """At most `limit` inbound texts per number in `window` seconds are read (per process).

    Sized for people, not machines: a youth's sign-up with a correction at every question is
    about 21 texts (tests/test_flood_gate.py measures the longest sign-up path and keeps it
    under half the limit), while an auto-responder loop sends hundreds. The first text over
    the limit is answered once (mentoring.flood); the rest of that flood is dropped silently,
    and the count falls back under the limit as the window moves on. Each `serve` process
    counts on its own, so N processes read up to N times the limit. Twilio's retry of a text
    (the same MessageSid) is read again, for the journal to answer as a repeat, and not counted:
    it is not a new text.
    """

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque[tuple[float, str]]] = {}
        self.answered: set[str] = set()

    def check(self, number: str, now: float | None = None, key: str = "") -> Verdict:
        now = time.monotonic() if now is None else now
        texts = self.seen.setdefault(number, deque())
        while texts and texts[0][0] <= now - self.window:
            texts.popleft()
        if key and any(seen == key for _, seen in texts):
            return Verdict.READ
        if len(texts) >= self.limit:
            if number in self.answered:
                return Verdict.DROP
            self.answered.add(number)
            return Verdict.ANSWER
        self.answered.discard(number)
        texts.append((now, key))
        if len(self.seen) > 50_000:
            self.seen = {n: t for n, t in self.seen.items() if t and t[-1][0] > now - self.window}
            self.answered &= self.seen.keys()
        return Verdict.READ

    @property
    def minutes(self) -> int:
        """How long a flooded number waits at most, for the answer."""
        return max(1, round(self.window / 60))


FLOOD_GATE = web.AppKey("sms_flood_gate", FloodGate)


def setup(app: web.Application) -> None:
    app[FLOOD_GATE] = FloodGate()
    app.add_routes(routes)


def twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def public_url(request: web.Request, runtime: Runtime) -> str:
    """The URL Twilio called and signed: PUBLIC_BASE_URL + path and query when configured."""
    base = runtime.settings.public_base_url
    return f"{base}{request.path_qs}" if base else str(request.url)


def valid_signature(
    token: str, url: str, params: MultiDictProxy[str] | str, signature: str
) -> bool:
    """Twilio's own check: HMAC-SHA1 over the URL and the sorted parameters (or a JSON body)."""
    return bool(RequestValidator(token).validate(url, params, signature))


async def signed_form(request: web.Request) -> MultiDictProxy[str]:
    """The form, if the signature holds; otherwise 403 before anything is touched."""
    runtime = request.app[RUNTIME]
    token = runtime.settings.twilio_auth_token
    form = await request.post()
    signature = request.headers.get("X-Twilio-Signature", "")
    if token is None or not signature:
        raise web.HTTPForbidden()
    params = MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))
    url = public_url(request, runtime)
    if not valid_signature(token.get_secret_value(), url, params, signature):
        log.warning("twilio signature rejected", extra={"path": request.path})
        raise web.HTTPForbidden()
    return params


def small_number(text: str) -> int | None:
    """A number as Twilio writes one (ASCII digits, fits a database integer), else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def wake(request: web.Request) -> None:
    dispatcher = request.app.get(DISPATCHER)
    if dispatcher is not None:
        dispatcher.wake()


@routes.post("/sms/inbound")
async def inbound(request: web.Request) -> web.Response:
    form = await signed_form(request)
    sid, number = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not number:
        return twiml()
    gate = request.app[FLOOD_GATE]
    verdict = gate.check(number, key=sid)
    if verdict is not Verdict.READ:
        log.warning("sms flood", extra={"from": mask_phone(number), "verdict": verdict.value})
        if verdict is Verdict.ANSWER:
            await flooded(request.app[RUNTIME], channel="sms", address=number, minutes=gate.minutes)
            wake(request)
        return twiml()
    if contains_cpr(form.get("Body", "")):
        # Refused at the door, never written down: the engine answers why, in one transaction
        # de-duplicated by MessageSid (a repeat carries the same number, so it comes here too).
        incoming = Incoming(channel="sms", address=number, text=form.get("Body", ""))
        if await process(request.app[RUNTIME], incoming, dedupe=("sms", sid)):
            wake(request)
        return twiml()
    payload = {k: form[k] for k in KEPT if k in form}
    await record(request, Arrival(channel="sms", key=sid, address=number, payload=payload))
    return twiml()


@routes.post("/sms/status")
async def status(request: web.Request) -> web.Response:
    form = await signed_form(request)
    sid, reported = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
    code = small_number(form.get("ErrorCode", ""))
    outbox_id = small_number(request.query.get("id", ""))
    if await sms_status.report(request.app[RUNTIME], sid, outbox_id, reported, code):
        wake(request)
    return web.Response(status=200)
