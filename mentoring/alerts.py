"""Alert e-mails for what cannot wait a week: a message to the coordinator, an "I'm unsure" flag,
a youth who asked to stop, a dead-lettered message. They arrive as inbox items (`mentoring.inbox`,
whose `Kind` lists them); this job mails the ones not yet alerted, batched so that the
coordinators get at most one alert e-mail an hour.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from mentoring.digest_mail import recipients
from messaging.email import Mailer
from storage.models import InboxItem, Person

if TYPE_CHECKING:
    from core.runtime import Runtime

log = logging.getLogger(__name__)
BATCH_EVERY = timedelta(hours=1)


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
