"""Shared by the privacy tests: people who can chat, and a dump of every table's text."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.matches import accept_match, create_match
from mentoring.people import SHARE_CONSENT, add_contact, record_consent
from storage.models import Base, Person
from tests import factories
from tests.conftest import COPENHAGEN

YOUTH_CHAT = "sim-youth-sara"
MENTOR_CHAT = "sim-mentor-henrik"
MENTOR_PHONE = "+4522334455"
MENTOR_EMAIL = "henrik@jensen-tomrer.dk"


async def chatting_pair(
    session: AsyncSession, now: datetime, *, active: bool = True
) -> tuple[Person, Person]:
    """A consenting youth and a mentor with phone and e-mail, both reachable on the web chat."""
    youth = await factories.youth(session, now, email="sara.n@example.dk", phone="+4531415926")
    await record_consent(session, youth.id, SHARE_CONSENT, "2026-11", "web")
    mentor = await factories.mentor(session, phone=MENTOR_PHONE, email=MENTOR_EMAIL,
                                    role_title="Tømrermester")  # fmt: skip
    await add_contact(session, youth, "web", YOUTH_CHAT, verified=True)
    await add_contact(session, mentor, "web", MENTOR_CHAT, verified=True)
    match = await create_match(session, youth.id, mentor.id, now=now, tz=COPENHAGEN)
    if active:
        await accept_match(session, match.id, now=now, today=now.date(), tz=COPENHAGEN)
    return youth, mentor


async def all_text(session: AsyncSession) -> str:
    """Every row of every table, as text: what a search for a name or number would find."""
    dump = []
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
        dump.append(json.dumps([list(r) for r in rows], default=str, ensure_ascii=False))
    return "\n".join(dump)
