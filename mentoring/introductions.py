"""Starting the introduction of a new match: the mentor is asked to accept.

The dashboard calls `introduce(session, renderer, match_id)` right after `create_match`, in the
same transaction. The mentor sees the youth's first name, age, interests, what they want help
with and area, nothing more, and answers yes or no (the `accept_match` flow in bot/ reads it).
If the follow-up rules already scheduled their own offer for this match, it is marked done so
the mentor is asked once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import FollowUpState
from mentoring.matches import get_match
from mentoring.outbound import Option
from mentoring.people import age_in
from mentoring.prompts import ask
from mentoring.topics import known
from messaging.render import Renderer
from storage.models import FollowUp, OutboxMessage, Person, Youth


def youth_card(person: Person, youth: Youth, today_year: int) -> dict[str, Any]:
    """What a mentor may know about a proposed youth."""
    return {
        "youth_name": person.first_name,
        "age": today_year - youth.birth_year,
        "interests": list(youth.interests),
        "interests_text": youth.interests_text,
        "topics": known(youth.topics or []),  # what the youth wants help with
        "topics_text": youth.topics_text,
        "area": youth.area or youth.postcode,
    }


async def introduce(
    session: AsyncSession, renderer: Renderer, match_id: int, *, now: datetime
) -> OutboxMessage | None:
    """Ask the match's mentor to accept; returns the queued question (None if unreachable)."""
    match = await get_match(session, match_id)
    person = await session.get(Person, match.youth_id)
    youth = await session.get(Youth, match.youth_id)
    mentor = await session.get(Person, match.mentor_id)
    if person is None or youth is None or mentor is None:
        return None
    await session.execute(
        update(FollowUp)
        .where(FollowUp.key == f"match_offer:{match.id}", FollowUp.state == FollowUpState.PENDING)
        .values(state=FollowUpState.DONE, done_at=now)
    )
    card = youth_card(person, youth, now.year)
    card["age"] = age_in(youth.birth_year, now.date())
    return await ask(
        session,
        renderer,
        mentor.id,
        "accept_match",
        {"match_id": match.id},
        "match_offer",
        card,
        options=(Option("yes", "label_yes"), Option("no", "label_no")),
        step="ask",
        now=now,
    )
