"""Each channel's own rules, applied by the engine before it looks for a flow (ARCHITECTURE.md,
"A message in").

They run inside the engine's transaction, after its one de-duplication of the inbound key, so a
STOP sent twice by Twilio is acted on once, like any other text.

- SMS: an opt-out word (STOP, STOPP, AFMELD, ...: the words catalogues) opts the number out (one
  confirmation, then silence by SMS until an opt-in word, START or TILMELD); an opt-in word from
  an opted-out number opts it back in (from any other number it is the ordinary "start"
  command); a picture gets "text only" (the text beside it is dropped: we cannot tell what it
  referred to). None of these create a person.
- E-mail: a reply to our e-mails is answered by `mentoring.email_replies`, never by the chat
  flows: an e-mail sender is not signed up by writing to us.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot import parsing
from bot.events import Incoming
from bot.understanding.words import words
from core.runtime import Runtime
from logsetup import mask_phone
from mentoring import contacts, email_replies, inbox, outbound
from mentoring.people import person_by_contact

log = logging.getLogger(__name__)

# The carrier's opt-out and opt-in words, from the words catalogues of every language.
OPT_OUT_WORDS = words().sms_opt_out
OPT_IN_WORDS = words().sms_opt_in


def keyword(text: str | None) -> str:
    return (text or "").strip().strip(".!").casefold()


async def apply(session: AsyncSession, runtime: Runtime, incoming: Incoming) -> bool:
    """True when a channel rule has handled the event (the engine stops there)."""
    if incoming.channel == "sms":
        return await _sms(session, runtime, incoming)
    if incoming.channel == "email":
        reply = email_replies.EmailReply(
            sender=incoming.address,
            text=incoming.text or "",
            said=parsing.yes_no(incoming.first_line or ""),
            meeting_id=incoming.answers_meeting,
            authenticated=incoming.authenticated,
        )
        outcome = await email_replies.answer(session, runtime, reply)
        log.info("e-mail reply", extra={"outcome": outcome})
        return True
    return False


async def _sms(session: AsyncSession, runtime: Runtime, incoming: Incoming) -> bool:
    word, number = keyword(incoming.text), incoming.address
    if word not in OPT_OUT_WORDS | OPT_IN_WORDS and not incoming.media:
        return False
    point = await contacts.find(session, "sms", number)
    if word in OPT_IN_WORDS and (point is None or point.state != contacts.State.OPTED_OUT):
        return False  # START from a number that is not opted out: the engine's resume command
    person = await person_by_contact(session, "sms", number) if point is not None else None
    now = runtime.clock()
    template = None
    if word in OPT_OUT_WORDS:
        if point is not None and contacts.move(point, contacts.State.OPTED_OUT, "sms stop", now):
            template = "sms_opted_out"
            if person is not None:
                await inbox.stop_requested(session, person, now=now)
    elif word in OPT_IN_WORDS:
        if point is not None and contacts.opt_back_in(point, "sms start", now):
            template = "sms_opted_in"
    elif point is None or point.state == contacts.State.OK:
        template = "sms_only_text"
    if template is not None:
        await outbound.say_at(
            session,
            runtime.renderer,
            channel="sms",
            address=number,
            template=template,
            person=person,
            language=runtime.settings.default_language,
        )
    log.info("sms rule", extra={"from": mask_phone(number), "reply": template})
    return True
