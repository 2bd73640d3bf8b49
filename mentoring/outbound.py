"""The way out: say a template to a person, or to an address, in one call.

Every message the product sends is queued here (ARCHITECTURE.md, "The four doors"): this module
is the only caller of `messaging.outbox.enqueue` outside messaging/. It decides the things every
sender used to decide for itself, the same way for all of them:

- which channel: the person's reachable contact point (`CHANNEL_PREFERENCE`), unless the caller
  answers on the channel the person wrote from (`say_at`);
- which language: the person's, else the programme default the caller names;
- option labels rendered for the channel the message goes out on (SMS and e-mail show them as
  words, Telegram as buttons), and handed to the template as `choices`;
- quiet hours: a nudge the product sends on its own (`quiet_from`) waits for 08:00-20:00 on a day
  that is not a Sunday or public holiday; an answer to what someone just wrote goes at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.quiet_hours import next_allowed
from messaging.outbox import enqueue
from messaging.render import Renderer
from storage.models import ContactPoint, OutboxMessage, Person

# Preferred order when a person can be reached several ways.
CHANNEL_PREFERENCE = ("telegram", "sms", "web", "email")


@dataclass(frozen=True)
class Option:
    """A choice offered with a message. `key` is stable (callback data, SMS keyword or number)."""

    key: str
    label_template: str  # a template under templates/messages/ rendering the button label
    context: dict[str, Any] = field(default_factory=dict)


def choices(
    renderer: Renderer, options: Sequence[Option], language: str, channel: str
) -> list[dict[str, str]]:
    """The options as stored on the outbox row and shown by `_choices.j2`: key and label, the
    label rendered for the channel the message goes out on."""
    return [
        {"key": o.key, "label": renderer.message(o.label_template, language, channel, **o.context)}
        for o in options
    ]


async def reachable_contact(session: AsyncSession, person_id: int) -> ContactPoint | None:
    """The contact point a message to this person goes to: the first "ok" one by preference."""
    points = list(
        await session.scalars(
            select(ContactPoint).where(
                ContactPoint.person_id == person_id, ContactPoint.state == "ok"
            )
        )
    )
    points.sort(key=lambda p: CHANNEL_PREFERENCE.index(p.channel))
    return points[0] if points else None


async def say(
    session: AsyncSession,
    renderer: Renderer,
    person_id: int,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    options: Sequence[Option] = (),
    not_before: datetime | None = None,
    quiet_from: datetime | None = None,
    dedupe_key: str | None = None,
    awaiting_reply: bool | None = None,
    channel: str | None = None,
) -> OutboxMessage | None:
    """Queue `templates/messages/<template>.j2` for a person where they can be reached.

    None when they cannot be (no "ok" contact point, paused or erased): the caller decides
    whether that matters. `channel` limits it to one channel (the SMS resend of a question);
    `quiet_from` is the moment a nudge would go, moved out of quiet hours.
    """
    person = await session.get(Person, person_id)
    if person is None or not person.status.reachable:
        return None
    if channel is None:
        point = await reachable_contact(session, person_id)
    else:
        point = await session.scalar(
            select(ContactPoint).where(
                ContactPoint.person_id == person_id,
                ContactPoint.channel == channel,
                ContactPoint.verified.is_(True),
                ContactPoint.state == "ok",
            )
        )
    if point is None:
        return None
    if quiet_from is not None:
        not_before = next_allowed(quiet_from, renderer.tz)
    return await say_at(
        session,
        renderer,
        channel=point.channel,
        address=point.address,
        template=template,
        context=context,
        person=person,
        options=options,
        not_before=not_before,
        dedupe_key=dedupe_key,
        awaiting_reply=awaiting_reply,
    )


async def say_at(
    session: AsyncSession,
    renderer: Renderer,
    *,
    channel: str,
    address: str,
    template: str,
    context: dict[str, Any] | None = None,
    person: Person | None = None,
    language: str | None = None,
    options: Sequence[Option] = (),
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    awaiting_reply: bool | None = None,
    body_template: str | None = None,
) -> OutboxMessage:
    """Queue a message to one address: the one a person just wrote from, or a bare address
    (a guardian, an unknown e-mail sender). Rendered in the person's language (else `language`,
    else Danish) for `channel`.

    `body_template` renders a whole template file (`email/inbound_answer.txt.j2`) instead of
    `templates/messages/<template>.j2`; the row is still named `template`.
    """
    lang = person.language if person is not None else (language or "da")
    rendered = choices(renderer, options, lang, channel)
    values = {"choices": rendered, **(context or {})}
    if person is not None:
        values.setdefault("person", person)
    if body_template is not None:
        body = renderer.render(body_template, lang, channel=channel, **values)
    else:
        body = renderer.message(template, lang, channel, **values)
    return await enqueue(
        session,
        channel=channel,
        address=address,
        template=template,
        body=body,
        person_id=person.id if person is not None else None,
        options=rendered,
        not_before=not_before,
        dedupe_key=dedupe_key,
        awaiting_reply=bool(rendered) if awaiting_reply is None else awaiting_reply,
    )


async def composed_by_channel(
    session: AsyncSession,
    *,
    channel: str,
    address: str,
    template: str,
    person_id: int | None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue a message whose text the channel builds when it sends (the e-mail calendar
    cancellation, made from the row's key): nothing to render now."""
    return await enqueue(
        session,
        channel=channel,
        address=address,
        template=template,
        body="",
        person_id=person_id,
        dedupe_key=dedupe_key,
    )
