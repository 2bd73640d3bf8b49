"""Parents and guardians of 15-17-year-olds (README, "People"): informed by SMS or e-mail, able to
object.

`inform` queues the message when the programme's `inform_guardians` setting is on; the row is
tied to the youth (person_id) so erasing the youth also clears it. A guardian who answers the SMS
reaches `handle_reply` (the conversation engine routes an unknown SMS sender whose number is a
guardian's here instead of starting a sign-up): "NEJ" records an objection, anything else gets
the short how-to. Those answers carry no personal data and no person_id, so a paused youth does
not hold them back (retention blanks them later: mentoring.privacy). The e-mail carries a signed
objection link instead (web/guardian_links.py). An objection pauses the youth, puts their pair on
hold (mentoring/pair_hold.py: meetings cancelled, follow-ups held, the mentor told without the
reason) and tells the coordinator with one inbox item. A guardian who answers JA after objecting
lifts it again, as the coordinator can on the person's page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import PersonStatus
from mentoring import inbox, outbound, pair_hold
from mentoring.audit import record
from mentoring.people import age_in
from messaging.email_sender import base_url
from messaging.links import sign
from messaging.render import Renderer
from settings import Settings
from storage.models import OutboxMessage, Person, Programme, Youth

ADULT_AGE = 18
OBJECTION_WORDS = frozenset({"nej", "no", "indsigelse", "object", "objection", "imod"})
OBJECTION_LINK_TTL = timedelta(days=365)
LINK_PURPOSE = "guardian_objection"


def is_objection(text: str) -> bool:
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return bool(words) and words[0] in OBJECTION_WORDS


def objection_link(settings: Settings, youth_id: int, now: datetime) -> str:
    """The signed link in the guardian's e-mail: GET asks to confirm, POST records the objection."""
    token = sign(
        settings.signing_keys(), {"purpose": LINK_PURPOSE, "y": youth_id}, now + OBJECTION_LINK_TTL
    )
    return f"{base_url(settings)}/links/guardian/{token}"


async def inform(
    session: AsyncSession,
    renderer: Renderer,
    settings: Settings,
    person: Person,
    youth: Youth,
    *,
    now: datetime,
) -> list[OutboxMessage]:
    """Tell the guardian of an under-18 youth about the programme and how to object (once), on
    each way we have to reach them: SMS (reply NEJ) and e-mail (the objection link)."""
    programme = await session.get(Programme, person.programme_id)
    if programme is None or not programme.inform_guardians:
        return []
    if youth.guardian_informed_at is not None or age_in(youth.birth_year, now.date()) >= ADULT_AGE:
        return []
    context = {"youth_name": person.first_name, "guardian_name": youth.guardian_name}
    ways: list[tuple[str, str, dict[str, str]]] = []
    if youth.guardian_phone:
        ways.append(("sms", youth.guardian_phone, {}))
    if youth.guardian_email:
        url = objection_link(settings, person.id, now)
        ways.append(("email", youth.guardian_email, {"objection_url": url}))
    queued = []
    for channel, address, extra in ways:
        queued.append(
            await outbound.say_at(  # to the guardian, in the youth's language, about the youth
                session,
                renderer,
                channel=channel,
                address=address,
                template="privacy_guardian_informed",
                context={**context, **extra},
                person=person,
                dedupe_key=f"guardian:{person.id}" + ("" if channel == "sms" else f":{channel}"),
            )
        )
    if queued:
        youth.guardian_informed_at = now
        await record(session, "system", "guardian.informed", "person", person.id)
    return queued


async def youth_and_person(
    session: AsyncSession, youth_id: int
) -> tuple[Youth | None, Person | None]:
    """A youth's record and person (a guardian's link names the youth by id)."""
    return await session.get(Youth, youth_id), await session.get(Person, youth_id)


async def youth_of_guardian(session: AsyncSession, phone: str) -> Youth | None:
    """The (not erased) youth whose guardian has this number; the newest sign-up if several."""
    return await session.scalar(
        select(Youth)
        .join(Person, Person.id == Youth.person_id)
        .where(Youth.guardian_phone == phone, Person.status != PersonStatus.ERASED)
        .order_by(Person.created_at.desc(), Person.id.desc())
        .limit(1)
    )


async def record_objection(
    session: AsyncSession,
    renderer: Renderer,
    youth: Youth,
    *,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
) -> bool:
    """Pause the youth's programme, hold their pair and tell the coordinator once; False if
    already objected."""
    if youth.guardian_objected_at is not None:
        return False
    person = await session.get(Person, youth.person_id)
    if person is None:
        return False
    youth.guardian_objected_at = now
    await inbox.put(session, person, inbox.Kind.GUARDIAN_OBJECTION, now=now)
    if person.status != PersonStatus.ERASED:
        person.status = PersonStatus.PAUSED
        await pair_hold.hold(session, renderer, person, now=now, tz=tz)
    await record(session, actor, "guardian.objected", "person", person.id)
    return True


async def handle_reply(
    session: AsyncSession,
    renderer: Renderer,
    phone: str,
    text: str,
    *,
    agrees: bool,
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    """An SMS from a guardian's number; False when the number is no guardian's. `agrees`: the
    text is a yes (read in bot/), which lifts an earlier objection."""
    youth = await youth_of_guardian(session, phone)
    if youth is None:
        return False
    person = await session.get(Person, youth.person_id)
    language = person.language if person is not None else "da"
    if is_objection(text):
        await record_objection(session, renderer, youth, now=now, tz=tz, actor="guardian")
        template = "privacy_guardian_objected"
    elif agrees and youth.guardian_objected_at is not None:
        await pair_hold.lift(session, renderer, youth, now=now, tz=tz, actor="guardian")
        template = "privacy_guardian_lifted"
    else:
        template = "privacy_guardian_help"
    await outbound.say_at(  # to the guardian, not the youth (who may now be paused)
        session, renderer, channel="sms", address=phone, template=template, language=language
    )
    return True
