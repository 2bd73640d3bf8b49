"""A youth the coordinator signs up by hand (met at a jobcentre, a school, an event).

The same rules as the chat sign-up (`people.register_youth`: name, age, situation and target
group, guardian under 18; the guardian is informed the same way), but the youth has not said
yes to sharing with a mentor: they get an SMS from the coordinator asking them to confirm, and
their JA or NEJ is read by the `confirm_consent` flow (bot/flows/consent_by_hand.py). The
invitation may go to a number not yet proven (messaging.delivery), since the answer proves it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mentoring import guardians, inbox, prompts
from mentoring.audit import record
from mentoring.errors import DomainError
from mentoring.outbound import Option
from mentoring.people import (
    SHARE_CONSENT,
    YouthForm,
    person_by_id,
    record_consent,
    register_youth,
    youth_by_id,
)
from messaging.render import Renderer
from settings import Settings
from storage.models import Person

FLOW = "confirm_consent"
INVITATION = "added_by_hand_invite"
YES_NO = (Option("yes", "label_yes"), Option("no", "label_no"))


async def add_youth_by_hand(
    session: AsyncSession,
    renderer: Renderer,
    settings: Settings,
    programme_id: int,
    form: YouthForm,
    *,
    coordinator: str | None,
    now: datetime,
) -> Person:
    """Register the youth and send the SMS that asks them to confirm (a mobile number is
    needed: it is how they are asked)."""
    if not form.phone:
        raise DomainError("dashboard_field_missing", field="phone")
    person = await register_youth(session, programme_id, form, now=now)
    youth = await youth_by_id(session, person.id)
    if youth is not None:
        await guardians.inform(session, renderer, settings, person, youth, now=now)
    await prompts.ask(
        session,
        renderer,
        person.id,
        FLOW,
        {},
        INVITATION,
        {"first_name": person.first_name, "coordinator": coordinator},
        now=now,
        options=YES_NO,
    )
    return person


async def answer(
    session: AsyncSession,
    person_id: int,
    said_yes: bool,
    *,
    channel: str,
    version: str,
    now: datetime,
) -> None:
    """The youth's JA records the consent to share with a mentor; a NEJ goes to the coordinator."""
    person = await person_by_id(session, person_id)
    if person is None:
        return
    if said_yes:
        await record_consent(session, person_id, SHARE_CONSENT, version, channel)
        await record(session, f"person:{person_id}", "consent_confirmed", "person", person_id)
    else:
        await inbox.put(session, person, inbox.Kind.CONSENT_WITHDRAWN, now=now)
