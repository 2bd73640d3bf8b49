"""The conversation engine: one inbound event, one transaction, replies queued in the outbox.

`process` is what every channel calls (Telegram handlers, POST /sms/inbound, the e-mail webhook,
the simulator): de-duplicate, apply the channel's own rules (SMS STOP/START and pictures, e-mail
replies: `bot.channel_rules`), find or create the sender, refuse CPR numbers and media, run
service commands (help, stop, my data, language, write to the coordinator, "I'm unsure", meeting,
hours, status, BESKED to the other side of the pair) or the step of the flow the person is in,
queue every reply through `mentoring.outbound` in the receiver's language for their channel,
then commit. Options are stored on the outbox row as
`[{"key": str, "label": str}]` and passed to templates as `choices` (SMS shows them as words).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import channel_rules, parsing
from bot.events import Incoming
from bot.flows import (
    consent_by_hand,
    events,
    feedback,
    job_leads,
    matching,
    meeting_hours,
    meetings,
    paused,
    privacy,
    relay,
    service,
    signup_mentor,
    signup_youth,
    topics,
)
from bot.turn import Turn
from bot.understanding.reading import read
from core.runtime import Runtime
from core.statuses import PersonStatus, Role
from mentoring import contacts, conversations, guardians, outbound, signup_codes
from mentoring.conversations import ConversationState, Person
from mentoring.cpr import contains_cpr
from mentoring.errors import DomainError

log = logging.getLogger(__name__)

Handler = Callable[[Turn], Awaitable[None]]

FLOW_HANDLERS: dict[str, Handler] = {
    "signup_youth": signup_youth.handle,
    "signup_mentor": signup_mentor.handle,
    "accept_match": matching.handle_accept,
    "meeting": meetings.handle_propose,
    "meeting_confirm": meetings.handle_confirm,
    "meeting_held": meeting_hours.handle_held,
    "cancel": meetings.handle_cancel,
    "hours": meeting_hours.handle_hours,
    "checkin": feedback.handle_checkin,
    "closure": feedback.handle_closure,
    "outcome_survey": feedback.handle_outcome,
    "contact_later": feedback.handle_contact_later,
    "confirm_consent": consent_by_hand.handle,
    "coordinator": service.handle_write,
    paused.OFFER_FLOW: paused.handle_offer,
    job_leads.FLOW: job_leads.handle,
    "language": service.handle_language,
    "privacy_erase": privacy.handle_erase,
    "event_rsvp": events.handle_rsvp,
    relay.FLOW: lambda turn: relay.handle(turn, service.idle),
    topics.TAG_FLOW: lambda turn: topics.handle_tag(turn, service.idle),
}


async def process(
    runtime: Runtime, incoming: Incoming, *, dedupe: tuple[str, str] | None = None
) -> bool:
    """Handle one inbound event in one transaction; False if `dedupe` was seen before. A
    dropped database connection is retried once (storage.db.once_more_if_disconnected)."""

    async def attempt() -> bool:
        async with runtime.transaction() as session:
            return await handle(session, runtime, incoming, dedupe=dedupe)

    try:
        return await runtime.retrying(attempt)
    except IntegrityError:
        if dedupe is None:
            raise
        # Two workers raced on the same update: the other one has it.
        return False


async def handle(
    session: AsyncSession,
    runtime: Runtime,
    incoming: Incoming,
    *,
    dedupe: tuple[str, str] | None = None,
    person: Person | None = None,
) -> bool:
    """The engine inside a session the caller commits (aiogram's middleware opens it)."""
    if dedupe is not None and await conversations.seen_before(session, dedupe, now=runtime.clock()):
        return False
    if await channel_rules.apply(session, runtime, incoming):
        return True
    now = runtime.clock()
    state: ConversationState | None = None
    handed_in = person is not None  # by aiogram's middleware, which loaded the state too
    if person is None:
        found = await conversations.find_sender(session, incoming.channel, incoming.address)
        if found is not None:
            person, state = found.person, found.state
            if incoming.channel == "sms" and not found.verified:
                await contacts.prove(session, incoming.channel, incoming.address)
    # A parent or guardian answering the SMS that told them about the programme.
    if (
        person is None
        and incoming.channel == "sms"
        and await guardians.handle_reply(
            session,
            runtime.renderer,
            incoming.address,
            incoming.text or "",
            agrees=parsing.yes_no(incoming.text or "") is True,
            now=now,
            tz=runtime.settings.tz,
        )
    ):
        return True
    if person is None:
        hint = (incoming.language_hint or "").lower()
        language = "en" if hint.startswith("en") else runtime.settings.default_language
        person = await conversations.new_person(
            session, incoming.channel, incoming.address, language, now, runtime.settings.tz
        )
    elif handed_in:
        state = await conversations.state_of(session, person.id)
    if state is None:
        state = conversations.new_state(session, person.id, now)
    turn = Turn(session, runtime, incoming, person, state, now)
    await _step(turn)
    await _deliver(turn)
    log.info(
        "inbound handled",
        extra={"person_id": person.id, "channel": incoming.channel, "flow": state.flow},
    )
    return True


async def _step(turn: Turn) -> None:
    """Decide what this event means and run it; domain rule breaks become friendly errors."""
    try:
        await _route(turn)
    except DomainError as err:
        turn.say("error", error_key=err.key, **err.params)


async def _route(turn: Turn) -> None:
    incoming, person, state = turn.incoming, turn.person, turn.state
    if contains_cpr(incoming.text):
        turn.say("cpr_refused")
        return
    if incoming.media and not incoming.text:
        turn.say("text_only")
        return
    payload = incoming.start_payload
    if person.role == Role.UNKNOWN and state.flow is None:
        source = await signup_codes.source_for(turn.session, payload or incoming.text)
        if source is not None:  # a sign-up code: an event's, a caseworker's, a poster's
            signup_codes.came_through(person, source)
            if source.audience == Role.MENTOR:
                await signup_mentor.start(turn, None)
            else:
                await signup_youth.start(turn)
            return
        invitation = (
            await conversations.open_invitation(turn.session, payload, turn.now)
            if payload
            else None
        )
        if invitation is not None:
            await signup_mentor.start(turn, invitation.id)
        elif payload == "mentor" or read(turn.text).intent == "mentor":
            await signup_mentor.start(turn, None)
        else:
            await signup_youth.start(turn)
        return
    command, rest = service.command(turn.text, incoming.option)
    if payload == "mentor":
        command = "mentor"  # Telegram's "/start mentor" deep link, during a youth sign-up too
    if person.status == PersonStatus.PAUSED and await paused.answer(turn, command):
        return
    if command is not None and await service.run(turn, command, rest):
        return
    if command is None and await service.any_point(turn):
        return
    handler = FLOW_HANDLERS.get(state.flow or "")
    if handler is not None:
        await handler(turn)
        return
    await service.idle(turn)


async def _deliver(turn: Turn) -> None:
    """Queue every reply: to the sender on the channel they wrote from, to anyone else where
    they can be reached (`mentoring.outbound` renders labels for the channel it picks)."""
    renderer = turn.runtime.renderer
    for reply in turn.replies:
        if reply.person_id is None or reply.person_id == turn.person.id:
            await outbound.say_at(
                turn.session,
                renderer,
                channel=turn.incoming.channel,
                address=turn.incoming.address,
                template=reply.template,
                context=reply.context,
                person=turn.person,
                options=reply.options,
            )
        else:
            await outbound.say(
                turn.session, renderer, reply.person_id, reply.template, reply.context,
                options=reply.options,
            )  # fmt: skip
