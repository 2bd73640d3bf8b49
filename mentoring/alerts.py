"""Alert e-mails for what cannot wait a week: a message to the coordinator, an "I'm unsure" flag,
a youth who asked to stop, a dead-lettered message. They arrive as InboxItem rows (the contract:
kind "message", "unsure", "stop", "dead_letter", ...); this job mails the ones not yet alerted,
batched so that the coordinators get at most one alert e-mail an hour.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.digest_mail import recipients
from mentoring.matches import open_match_for
from messaging.email import Mailer
from storage.models import InboxItem, Match, Person

if TYPE_CHECKING:
    from mentoring.runtime import Runtime

log = logging.getLogger(__name__)
BATCH_EVERY = timedelta(hours=1)


async def to_inbox(
    session: AsyncSession, person: Person, kind: str, *, now: datetime, body: str | None = None
) -> Match | None:
    """Put something about `person` in the coordinator's inbox, tied to their open pair (which
    is returned); the alert job mails it within the hour."""
    match = await open_match_for(session, person.id)
    session.add(
        InboxItem(
            programme_id=person.programme_id,
            person_id=person.id,
            match_id=match.id if match else None,
            kind=kind,
            body=body[:2000] if body else None,
            created_at=now,
        )
    )
    return match


async def stop_requested(session: AsyncSession, person: Person, *, now: datetime) -> None:
    """A youth or mentor said stop (paused, or unsubscribed from SMS): an inbox item of kind
    "stop", so the coordinator hears within the hour rather than in Monday's digest."""
    if person.role not in ("youth", "mentor"):
        return  # someone half-way through sign-up: nobody to follow up yet
    await to_inbox(session, person, "stop", now=now)


async def send_due_alerts(runtime: Runtime, mailer: Mailer | None = None) -> int:
    """Mail the unalerted inbox items, unless an alert went out within the hour.

    Returns the number of e-mails sent (0 when nothing is new or the hour is not up).
    """
    now = runtime.clock()
    async with runtime.sessions() as session, session.begin():
        last = await session.scalar(select(func.max(InboxItem.alerted_at)))
        if last is not None and now - last < BATCH_EVERY:
            return 0
        rows = (
            await session.execute(
                select(InboxItem.id, InboxItem.kind, InboxItem.created_at, Person.first_name)
                .outerjoin(Person, Person.id == InboxItem.person_id)
                .where(InboxItem.alerted_at.is_(None), InboxItem.handled_at.is_(None))
                .order_by(InboxItem.created_at, InboxItem.id)
            )
        ).all()
        if not rows:
            return 0
        items = [{"kind": k, "at": at, "name": n or ""} for _, k, at, n in rows]
        await session.execute(
            update(InboxItem).where(InboxItem.id.in_([r[0] for r in rows])).values(alerted_at=now)
        )
    mailer = mailer or Mailer(runtime.settings)
    sent = 0
    for address, language in await recipients(runtime):
        render = runtime.renderer.render
        message = EmailMessage()
        subject = render("email/alert_subject.txt.j2", language, items=items)
        message["Subject"] = " ".join(subject.split())
        message["From"] = runtime.settings.mail_from
        message["To"] = address
        message.set_content(render("email/alert.txt.j2", language, items=items))
        message.add_alternative(
            render("email/alert.html.j2", language, items=items), subtype="html"
        )
        await mailer.send(message)
        sent += 1
    log.info("alerts sent", extra={"items": len(items), "emails": sent})
    return sent
