"""`POST /email/inbound/<secret>`: replies to our e-mails, delivered by SendGrid Inbound Parse.

SendGrid does not sign its requests, so the lock is a secret path part (EMAIL_INBOUND_SECRET),
compared in constant time before the body is read: a wrong or missing one gets 403 and changes
nothing; without the setting the route does not exist (404). SendGrid retries only on 5xx, so
everything we understand, or choose to ignore, gets 200.

A reply from a known address whose first meaningful line says yes (or no) answers the meeting
our invite e-mail asked about (its Message-ID in In-Reply-To / References; else the meeting the
person is being asked about): confirm or decline, tell the other side, and acknowledge by
e-mail. Anything else gets a friendly answer with an example, and a known person's words go to
the coordinator's inbox, so nothing is lost. One inbound e-mail is acted on once (its
Message-ID digest in `inbound_keys`, channel "email"). Auto-replies and bounces are never
answered; answers to one address are capped per day (no mail loops, little backscatter). The
body and full addresses are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime

from aiohttp import BodyPartReader, web
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import seen_before
from bot.parsing import yes_no
from logsetup import mask_email
from mentoring.alerts import to_inbox
from mentoring.clock import local_date
from mentoring.meetings import answer_meeting
from mentoring.runtime import Runtime
from messaging.email_reply import InboundEmail, parse_inbound
from messaging.outbox import enqueue
from storage.db import unit_of_work
from storage.models import (
    ContactPoint,
    ConversationState,
    Match,
    Meeting,
    OutboxMessage,
    Person,
)
from web.keys import RUNTIME
from web.sms import wake

log = logging.getLogger(__name__)

PATH = "/email/inbound"
MAX_FIELD = 2 * 1024**2  # a text field or a raw message; the rest of it is dropped
MAX_TOTAL = 10 * 1024**2
ANSWERS_PER_DAY = 3  # answers we could not act on, per address and day
ANSWER_TEMPLATE = "email_inbound_answer"


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
    if outcome not in ("duplicate", "ignored"):
        wake(request)
    return web.Response(text="ok")


async def handle(runtime: Runtime, mail: InboundEmail) -> str:
    """Act on one inbound e-mail in one transaction; "duplicate" when it was seen before."""
    try:
        async with unit_of_work(runtime.sessions) as session:
            if await seen_before(session, ("email", mail.dedupe_key)):
                return "duplicate"
            return await _act(session, runtime, mail)
    except IntegrityError:
        return "duplicate"  # the same e-mail delivered twice at once: the other one has it


async def _act(session: AsyncSession, runtime: Runtime, mail: InboundEmail) -> str:
    if not mail.sender or mail.spoofed or mail.automatic:
        return "ignored"  # no one to answer, a forged sender, or a machine: never answered
    now = runtime.clock()
    found = await _sender(session, mail.sender)
    if found is None:
        await _answer(session, runtime, mail.sender, None, "unknown", now)
        return "unknown"
    person, address = found
    meeting = await _meeting(session, person, mail.meeting_id)
    answer = yes_no(mail.first_line)
    pending = (
        meeting is not None
        and meeting.status == "proposed"
        and meeting.proposed_by != person.id
        and meeting.starts_at > now
    )
    if meeting is not None and pending and answer is not None:
        await answer_meeting(session, runtime.renderer, meeting.id, person.id, answer, now=now)
        await _acknowledge(session, runtime, person, address, meeting, answer)
        return "confirmed" if answer else "declined"
    if pending:
        outcome = "unclear"
    elif meeting is not None and meeting.status == "confirmed" and answer is True:
        outcome = "already"
    else:
        outcome = "nothing"
    forwarded = outcome != "already" and bool(mail.reply)
    if forwarded:
        await to_inbox(session, person, "message", now=now, body=mail.reply)
    await _answer(session, runtime, address, person, outcome, now, meeting, forwarded)
    return outcome


async def _sender(session: AsyncSession, address: str) -> tuple[Person, str] | None:
    """The person writing from this address (any case), with the address as we have it."""
    row = (
        await session.execute(
            select(Person, ContactPoint.address)
            .join(ContactPoint, ContactPoint.person_id == Person.id)
            .where(ContactPoint.channel == "email", func.lower(ContactPoint.address) == address)
            .order_by(ContactPoint.id)
            .limit(1)
        )
    ).first()
    if row is None or row[0].status == "erased":
        return None
    return row[0], row[1]


async def _meeting(session: AsyncSession, person: Person, referenced: int | None) -> Meeting | None:
    """The meeting the e-mail answers (if it is this person's), else the one they are asked."""
    candidates: list[int] = [referenced] if referenced is not None else []
    state = await session.get(ConversationState, person.id)
    if state is not None and state.flow == "meeting_confirm":
        candidates.append(int(state.data.get("meeting_id", 0)))
    for meeting_id in candidates:
        meeting = await session.get(Meeting, meeting_id)
        match = await session.get(Match, meeting.match_id) if meeting else None
        if match is not None and person.id in (match.youth_id, match.mentor_id):
            return meeting
    return None


async def _acknowledge(
    session: AsyncSession,
    runtime: Runtime,
    person: Person,
    address: str,
    meeting: Meeting,
    yes: bool,
) -> None:
    match = await session.get(Match, meeting.match_id)
    assert match is not None
    other = await session.get(
        Person, match.youth_id if person.id == match.mentor_id else match.mentor_id
    )
    partner = (other.first_name if other else "") or ""
    if yes:
        template = "meeting_confirmed"
        body = runtime.renderer.message(
            template, person.language, "email", person=person, partner=partner,
            at=meeting.starts_at, place=meeting.place,
        )  # fmt: skip
    else:
        template = ANSWER_TEMPLATE
        body = runtime.renderer.render(
            "email/inbound_answer.txt.j2", person.language, outcome="declined",
            meeting=meeting, partner=partner, forwarded=False,
        )  # fmt: skip
    await enqueue(
        session, channel="email", address=address, template=template, body=body,
        person_id=person.id,
    )  # fmt: skip


async def _answer(
    session: AsyncSession,
    runtime: Runtime,
    address: str,
    person: Person | None,
    outcome: str,
    now: datetime,
    meeting: Meeting | None = None,
    forwarded: bool = False,
) -> None:
    """A friendly answer with an example, at most ANSWERS_PER_DAY to one address a day."""
    day = local_date(now, runtime.settings.tz).strftime("%Y%m%d")
    who = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    prefix = f"email-answer:{who}:{day}:"
    used = set(
        await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.startswith(prefix))
        )
    )
    free = [n for n in range(ANSWERS_PER_DAY) if f"{prefix}{n}" not in used]
    if not free:
        return
    language = person.language if person else runtime.settings.default_language
    body = runtime.renderer.render(
        "email/inbound_answer.txt.j2", language, outcome=outcome, meeting=meeting,
        partner="", forwarded=forwarded,
    )  # fmt: skip
    await enqueue(
        session, channel="email", address=address, template=ANSWER_TEMPLATE, body=body,
        person_id=person.id if person else None, dedupe_key=f"{prefix}{free[0]}",
    )  # fmt: skip
