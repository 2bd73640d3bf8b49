"""Twilio webhooks: `POST /sms/inbound` (a text to us) and `POST /sms/status` (delivery news).

Both check `X-Twilio-Signature` against PUBLIC_BASE_URL + the path Twilio called (tech.md section
3: behind a proxy the URL the app sees is not the one Twilio signed); a forged request gets 403
and changes nothing. Inbound answers empty TwiML at once: replies go through the outbox.

The SMS channel's own rules live here: STOP/STOPP/AFMELD/STOPALL/UNSUBSCRIBE opt the number out
(one confirmation, then silence by SMS until START/TILMELD), a picture gets "text only", and a
number that floods us is ignored for a while. Every other text goes to the conversation engine.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.request_validator import RequestValidator

from bot.engine import process
from bot.events import Incoming
from bot.understanding.words import words
from logsetup import mask_phone
from mentoring.alerts import stop_requested
from mentoring.runtime import Runtime
from messaging.delivery import RetryPolicy, alert_dead_letters
from messaging.outbox import enqueue
from storage.db import unit_of_work
from storage.models import ContactPoint, InboundKey, OutboxMessage, Person
from web.keys import DISPATCHER, RUNTIME

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# The carrier's opt-out and opt-in words, from the words catalogues of every language.
OPT_OUT_WORDS = words().sms_opt_out
OPT_IN_WORDS = words().sms_opt_in

# Twilio ErrorCode in a failed/undelivered status callback -> what becomes of the number.
PERMANENT_ERRORS = {21610: "opted_out", 21211: "invalid", 21614: "invalid"}
RETRY_ERRORS = frozenset({30003, 30005, 30006})  # unreachable handset: retried, then unreachable
# Status callback -> our status, and the statuses it may replace (never a step back).
STATUS_STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sent": ("sent", ("sending",)),
    "delivered": ("delivered", ("sending", "sent")),
    "read": ("delivered", ("sending", "sent")),
}


class FloodGate:
    """At most `limit` inbound texts per number in `window` seconds (per process)."""

    def __init__(self, limit: int = 20, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque[float]] = {}

    def allow(self, number: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self.seen.setdefault(number, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self.seen) > 50_000:
            self.seen = {n: t for n, t in self.seen.items() if t and t[-1] > now - self.window}
        return True


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


def keyword(text: str) -> str:
    return text.strip().strip(".!").casefold()


def wake(request: web.Request) -> None:
    dispatcher = request.app.get(DISPATCHER)
    if dispatcher is not None:
        dispatcher.wake()


@routes.post("/sms/inbound")
async def inbound(request: web.Request) -> web.Response:
    form = await signed_form(request)
    runtime = request.app[RUNTIME]
    sid, number, body = form.get("MessageSid", ""), form.get("From", ""), form.get("Body", "")
    if not sid or not number:
        return twiml()
    if not request.app[FLOOD_GATE].allow(number):
        log.warning("sms flood: ignored", extra={"from": mask_phone(number)})
        return twiml()
    word = keyword(body)
    media = (small_number(form.get("NumMedia", "")) or 0) > 0
    if word in OPT_IN_WORDS and not await opted_out(runtime, number):
        word = ""  # START from a number that is not opted out: the engine's resume command
    if word in OPT_OUT_WORDS or word in OPT_IN_WORDS or media:
        handled = await sms_rule(runtime, sid, number, word, media)
    else:
        handled = await process(  # which also marks the number verified: a text proves it
            runtime, Incoming(channel="sms", address=number, text=body), dedupe=("sms", sid)
        )
    if handled:
        wake(request)
    return twiml()


async def opted_out(runtime: Runtime, number: str) -> bool:
    async with runtime.sessions() as session:
        state = await session.scalar(
            select(ContactPoint.state).where(
                ContactPoint.channel == "sms", ContactPoint.address == number
            )
        )
    return state == "opted_out"


async def sms_rule(runtime: Runtime, sid: str, number: str, word: str, media: bool) -> bool:
    """STOP, START and pictures, in one transaction with the MessageSid de-dup; False if seen."""
    try:
        async with unit_of_work(runtime.sessions) as session:
            session.add(InboundKey(channel="sms", key=sid[:64]))
            await session.flush()
            point = await session.scalar(
                select(ContactPoint).where(
                    ContactPoint.channel == "sms", ContactPoint.address == number
                )
            )
            person = await session.get(Person, point.person_id) if point else None
            language = person.language if person else runtime.settings.default_language
            now = runtime.clock()
            template = None
            if word in OPT_OUT_WORDS:
                if point is not None and point.state != "opted_out":
                    set_state(point, "opted_out", "sms stop", now)
                    template = "sms_opted_out"
                    if person is not None:
                        await stop_requested(session, person, now=now)
            elif word in OPT_IN_WORDS:
                if point is not None and point.state == "opted_out":
                    set_state(point, "ok", "sms start", now)
                    point.verified = True
                    template = "sms_opted_in"
            elif media and (point is None or point.state == "ok"):
                template = "sms_only_text"
            if template is not None:
                body = runtime.renderer.message(template, language, "sms")
                await enqueue(
                    session,
                    channel="sms",
                    address=number,
                    template=template,
                    body=body,
                    person_id=person.id if person else None,
                )
            log.info("sms rule", extra={"from": mask_phone(number), "reply": template})
    except IntegrityError:
        return False  # the same MessageSid again (or at the same time)
    return True


def set_state(point: ContactPoint, state: str, reason: str, now: datetime) -> None:
    point.state, point.state_reason, point.state_changed_at = state, reason, now


@routes.post("/sms/status")
async def status(request: web.Request) -> web.Response:
    form = await signed_form(request)
    runtime = request.app[RUNTIME]
    sid, reported = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
    code = small_number(form.get("ErrorCode", ""))
    outbox_id = small_number(request.query.get("id", ""))
    async with unit_of_work(runtime.sessions) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == "sms")
        if outbox_id is not None:
            query = query.where(OutboxMessage.id == outbox_id)
        else:
            query = query.where(OutboxMessage.provider_id == sid)
        message = await session.scalar(query.with_for_update())
        if message is None or (message.provider_id not in (None, sid)):
            log.info("status for an unknown message", extra={"status": reported})
            return web.Response(status=200)
        retry = await apply_status(session, runtime, message, reported, code)
    if retry:
        wake(request)
    return web.Response(status=200)


async def apply_status(
    session: AsyncSession, runtime: Runtime, message: OutboxMessage, reported: str, code: int | None
) -> bool:
    """Move the row forward only; returns True when it was put back for another try."""
    now = runtime.clock()
    if reported in STATUS_STEPS:
        new, allowed_from = STATUS_STEPS[reported]
        if message.status in allowed_from:
            message.status = new
        return False
    if reported not in ("failed", "undelivered", "canceled"):
        return False  # queued, accepted, sending, scheduled: nothing new for us
    if message.status not in ("sending", "sent"):
        return False  # already delivered, failed or retried: a late or repeated callback
    message.last_error = f"twilio {reported} {code or ''}".strip()
    if code in RETRY_ERRORS:
        policy = RetryPolicy()
        if message.attempts < policy.max_attempts:
            message.status = "pending"
            message.next_attempt_at = now + policy.delay(message.attempts, None)
            return True
        message.status = "dead"
        await mark_contact(session, message.address, "unreachable", message.last_error, now)
        await session.flush()
        await alert_dead_letters(await session.connection(), [message.id], now)
        return False
    message.status = "failed"
    if code in PERMANENT_ERRORS:
        await mark_contact(
            session, message.address, PERMANENT_ERRORS[code], message.last_error, now
        )
    return False


async def mark_contact(
    session: AsyncSession, address: str | None, state: str, reason: str, now: datetime
) -> None:
    await session.execute(
        update(ContactPoint)
        .where(ContactPoint.channel == "sms", ContactPoint.address == address)
        .values(state=state, state_reason=reason[:40], state_changed_at=now)
    )
