"""What happens when a number sends more texts than the flood gate reads (web.sms.FloodGate).

The gate protects the database from a machine in a loop (an auto-responder answering our
answers); a person who types fast must never just go silent on us. So the first text over the
limit gets one polite answer saying how long to wait, and the coordinator gets an inbox item
naming the person, so a real conversation that hit the gate is picked up by hand.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.runtime import Runtime
from core.statuses import PersonStatus
from mentoring import inbox, outbound
from mentoring.people import person_by_contact
from storage.db import unit_of_work

TEMPLATE = "sms_flood"


async def flooded(runtime: Runtime, *, channel: str, address: str, minutes: int) -> bool:
    """Answer the flooding address once and record it for the coordinator, in one transaction;
    True when the sender is someone we know (and so has an inbox item)."""
    async with unit_of_work(runtime.sessions) as session:
        return await _flooded(session, runtime, channel, address, minutes, runtime.clock())


async def _flooded(
    session: AsyncSession,
    runtime: Runtime,
    channel: str,
    address: str,
    minutes: int,
    now: datetime,
) -> bool:
    person = await person_by_contact(session, channel, address)
    await outbound.say_at(
        session,
        runtime.renderer,
        channel=channel,
        address=address,
        template=TEMPLATE,
        context={"minutes": minutes},
        person=person,
        language=runtime.settings.default_language,
    )
    if person is None or person.status == PersonStatus.ERASED:
        return False
    await inbox.put(session, person, inbox.Kind.FLOOD, now=now)
    return True
