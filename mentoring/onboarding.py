"""A newly approved mentor is told, and gets an introduction to the role (README, "Mentors").

On approval (the dashboard after screening, or sign-up with a pre-screened invitation) the mentor
is told in the chat what happens next, and gets by e-mail a short introduction to the role: the
topics pairs work on, the 3 hours a month, what to do when worried about a youth, how the chat
works. The same text is a web page they can reopen from a signed link (web/mentor_role.py), so
no account is needed. Both are rendered from `templates/web/_mentor_role.j2`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import outbound
from mentoring.audit import record
from mentoring.rules import for_programme
from messaging.email_sender import base_url
from messaging.links import sign
from messaging.render import Renderer
from settings import Settings
from storage.models import ContactPoint, Person, Programme

LINK_PURPOSE = "mentor_role"
LINK_TTL = timedelta(days=3 * 365)  # the introduction stays readable for a mentor's years


def role_link(settings: Settings, mentor_id: int, now: datetime) -> str:
    token = sign(settings.signing_keys(), {"purpose": LINK_PURPOSE, "m": mentor_id}, now + LINK_TTL)
    return f"{base_url(settings)}/links/mentor-role/{token}"


async def role_context(session: AsyncSession, person: Person) -> dict[str, object]:
    """What the introduction says that depends on the programme (its monthly hours, months)."""
    rules = for_programme(await session.get(Programme, person.programme_id))
    return {
        "hours": rules.monthly_hours,
        "months": rules.pair_months,
        "mentor_name": person.first_name,
    }


async def welcome(
    session: AsyncSession,
    renderer: Renderer,
    settings: Settings,
    mentor_id: int,
    *,
    now: datetime,
    tell: bool = True,
) -> bool:
    """Tell a newly approved mentor (`tell`: in the chat, what happens next) and e-mail the
    role's introduction with its link; False when they have no e-mail we may use. Called once,
    when the approval is new (the callers check)."""
    person = await session.get(Person, mentor_id)
    if person is None:
        return False
    context = await role_context(session, person)
    email = await session.scalar(
        select(ContactPoint.address).where(
            ContactPoint.person_id == mentor_id,
            ContactPoint.channel == "email",
            ContactPoint.state == "ok",
        )
    )
    if tell:
        await outbound.say(
            session,
            renderer,
            mentor_id,
            "mentor_approved",
            {**context, "emailed": email is not None},
        )
    if email is None or not person.status.reachable:
        return False
    await outbound.say_at(
        session,
        renderer,
        channel="email",
        address=email,
        template="mentor_role",
        body_template="email/mentor_role.txt.j2",
        context={**context, "url": role_link(settings, mentor_id, now)},
        person=person,
    )
    await record(session, "system", "mentor.introduced", "person", mentor_id)
    return True
