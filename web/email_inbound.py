"""`POST /email/inbound/<secret>`: replies to our e-mails, delivered by SendGrid Inbound Parse.

SendGrid does not sign its requests, so the lock is a secret path part (EMAIL_INBOUND_SECRET),
compared in constant time before the body is read: a wrong or missing one gets 403 and changes
nothing; without the setting the route does not exist (404). SendGrid retries only on 5xx, so
everything we understand, or choose to ignore, gets 200.

This module only checks and parses (ARCHITECTURE.md, "A message in"): auto-replies, bounces and
forged senders are never answered; everything else goes to the conversation engine as an
`Incoming` on channel "email", acted on once (its Message-ID digest is the engine's inbound key)
by the e-mail channel rule (`mentoring.email_replies`: yes/no to a meeting, else a friendly
answer and the words forwarded to the coordinator). The body and full addresses are never
logged.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import BodyPartReader, web

from bot.engine import process
from bot.events import Incoming
from core.runtime import Runtime
from logsetup import mask_email
from messaging.email_reply import InboundEmail, parse_inbound
from web.keys import RUNTIME
from web.sms import wake

log = logging.getLogger(__name__)

PATH = "/email/inbound"
MAX_FIELD = 2 * 1024**2  # a text field or a raw message; the rest of it is dropped
MAX_TOTAL = 10 * 1024**2


def setup(app: web.Application, runtime: Runtime) -> None:
    """Only with EMAIL_INBOUND_SECRET set; the bare path exists to refuse a missing secret."""
    if not runtime.settings.email_inbound_enabled:
        return
    app.router.add_post(PATH, _no_secret)
    app.router.add_post(PATH + "/{secret}", inbound)


async def _no_secret(request: web.Request) -> web.Response:
    log.warning("inbound e-mail without secret")
    raise web.HTTPForbidden()


def _authorised(request: web.Request) -> bool:
    secret = request.app[RUNTIME].settings.email_inbound_secret
    given = request.match_info.get("secret", "").encode()
    return secret is not None and hmac.compare_digest(given, secret.get_secret_value().encode())


async def read_parts(request: web.Request) -> dict[str, bytes]:
    """The form's fields as bytes (SendGrid says their charsets in a field of its own);
    attachments are skipped unread, and oversized fields cut."""
    reader = await request.multipart()
    parts: dict[str, bytes] = {}
    total = 0
    async for part in reader:
        if not isinstance(part, BodyPartReader) or not part.name or part.filename:
            if part is not None:
                await part.release()
            continue
        data = bytearray()
        while chunk := await part.read_chunk():
            if len(data) < MAX_FIELD and total < MAX_TOTAL:
                data += chunk[: MAX_FIELD - len(data)]
                total += len(chunk)
        parts[part.name] = bytes(part.decode(bytes(data)))
    return parts


async def inbound(request: web.Request) -> web.Response:
    if not _authorised(request):
        log.warning("inbound e-mail with a wrong secret")
        raise web.HTTPForbidden()
    if not request.content_type.startswith("multipart/"):
        raise web.HTTPBadRequest(text="multipart/form-data expected")
    try:
        parts = await read_parts(request)
    except ValueError as exc:
        raise web.HTTPBadRequest(text="unreadable form") from exc
    mail = parse_inbound(parts)
    outcome = await handle(request.app[RUNTIME], mail)
    log.info(
        "inbound e-mail",
        extra={
            "from": mask_email(mail.sender),
            "outcome": outcome,
            "referenced": mail.meeting_id is not None,
        },
    )
    if outcome == "handled":
        wake(request)
    return web.Response(text="ok")


async def handle(runtime: Runtime, mail: InboundEmail) -> str:
    """Hand one parsed e-mail to the engine ("handled"), unless there is nobody to answer, the
    sender is forged or a machine wrote it ("ignored"), or it was seen before ("duplicate")."""
    if not mail.sender or mail.spoofed or mail.automatic:
        return "ignored"
    incoming = Incoming(
        channel="email",
        address=mail.sender,
        text=mail.reply,
        first_line=mail.first_line,
        answers_meeting=mail.meeting_id,
        authenticated=mail.authenticated,
    )
    handled = await process(runtime, incoming, dedupe=("email", mail.dedupe_key))
    return "handled" if handled else "duplicate"
