"""The coordinator's inbox: the only code that adds `InboxItem` rows.

Everything a person or a rule raises for the coordinator lands here (ARCHITECTURE.md, "The four
doors"); the alert job (`mentoring.alerts`) mails the new ones within the hour and the digest and
dashboard list the unhandled ones. An item names its person and, when they have one, their open
pair; its `kind` is one of `Kind`, which the templates turn into words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.statuses import OPEN, OutboxStatus, Role
from mentoring.cpr import redact
from mentoring.errors import NotFound
from mentoring.pairs import open_match_for
from storage.models import InboxItem, Match, OutboxMessage, Person, Programme

BODY_MAX = 2000  # characters of a forwarded message kept


class Kind(StrEnum):
    # What a person raised
    MESSAGE = "message"  # wrote to the coordinator (chat or an e-mail we could not act on)
    UNSURE = "unsure"  # "I'm unsure" about the pair
    STOP = "stop"  # asked to stop (paused, or STOP by SMS)
    CONSENT_WITHDRAWN = "consent_withdrawn"  # withdrew the consent to share with a mentor
    GUARDIAN_OBJECTION = "guardian_objection"  # a parent or guardian objected
    MATCH_DECLINED = "match_declined"  # a mentor declined a proposed pair (body: the reason)
    LOW_SCORE = "low_score"  # a check-in or closure scored 1 or 2
    EXTENSION = "extension"  # wants the pair extended, said at closure
    UNVERIFIED_EMAIL = "unverified_email"  # an e-mail in their name without SPF/DKIM pass
    FLOOD = "flood"  # wrote more texts than the flood gate reads (web.sms.FloodGate)
    SIGNUP_SITUATION = "signup_situation"  # none of the sign-up's situations fit (their words)
    MEETING_DISAGREEMENT = "meeting_disagreement"  # youth and mentor answered a meeting unlike
    OUTCOME_SAID = "outcome_said"  # the youth or mentor told of a job or school place: confirm it
    # What a rule raised
    DEAD_LETTER = "dead_letter"  # a message could not be delivered after every retry
    INBOUND_FAILED = "inbound_failed"  # a text to us raised on every try (body: the reason)
    ACCEPT_OVERDUE = "accept_overdue"  # a mentor has not answered a proposed pair
    SILENT_PARTNER = "silent_partner"  # reminded twice, still no answer
    OUTCOME_MISSING = "outcome_missing"  # no answer to the outcome survey in 7 days
    PAIR_PAST_END = "pair_past_end"  # 14 days past its end date, a month without activity


async def put(
    session: AsyncSession,
    person: Person,
    kind: Kind,
    *,
    now: datetime,
    body: str | None = None,
    match: Match | None = None,
) -> Match | None:
    """Put something about `person` in the inbox, tied to `match` or else their open pair
    (which is returned); the alert job mails it within the hour."""
    if match is None:
        match = await open_match_for(session, person.id)
    session.add(
        InboxItem(
            programme_id=person.programme_id,
            person_id=person.id,
            match_id=match.id if match else None,
            kind=Kind(kind).value,
            # What reaches us by e-mail was sent already and cannot be refused: it is kept, but
            # never with a CPR number (mentoring.cpr).
            body=redact(body)[:BODY_MAX] if body else None,
            created_at=now,
        )
    )
    return match


async def inbound_failed(
    session: AsyncSession, person: Person | None, *, reason: str, text: str | None, now: datetime
) -> None:
    """A text or update to us that raised on every try (mentoring.journal): the coordinator
    reads what was written and why it failed, and answers by hand. From someone we do not hold
    yet, it counts for the newest programme."""
    body = f"{reason}\n{text}" if text else reason
    if person is not None:
        await put(session, person, Kind.INBOUND_FAILED, now=now, body=body)
        return
    programme = await session.scalar(select(func.max(Programme.id)))
    if programme is None:
        return  # no programme yet: nobody to tell (the journal row keeps the reason)
    session.add(
        InboxItem(
            programme_id=programme,
            kind=Kind.INBOUND_FAILED.value,
            body=redact(body)[:BODY_MAX],
            created_at=now,
        )
    )


async def items(
    session: AsyncSession, programme_id: int, *, limit: int = 200
) -> Sequence[Row[InboxItem, str | None, Role | None]]:
    """The programme's items with the person's first name and role: unhandled first, then
    newest first (the dashboard's inbox shows the latest `limit`)."""
    return (
        await session.execute(
            select(InboxItem, Person.first_name, Person.role)
            .outerjoin(Person, Person.id == InboxItem.person_id)
            .where(InboxItem.programme_id == programme_id)
            .order_by(InboxItem.handled_at.is_not(None), InboxItem.created_at.desc())
            .limit(limit)
        )
    ).all()


async def mark_handled(session: AsyncSession, item_id: int, *, now: datetime) -> InboxItem:
    """The coordinator has dealt with the item; handling it twice keeps the first time."""
    item = await session.get(InboxItem, item_id)
    if item is None:
        raise NotFound("inbox_item", item_id)
    item.handled_at = item.handled_at or now
    return item


async def stop_requested(session: AsyncSession, person: Person, *, now: datetime) -> None:
    """A youth or mentor said stop (paused, or unsubscribed from SMS): the coordinator hears
    within the hour rather than in Monday's digest."""
    if person.role == Role.UNKNOWN:
        return  # someone half-way through sign-up: nobody to follow up yet
    await put(session, person, Kind.STOP, now=now)


def flag(
    kind: Kind,
    *,
    programme_id: int,
    person_id: int | None,
    match_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """One rule's flag as a row for `add_flags` (the sweep writes a batch's flags together)."""
    return {
        "programme_id": programme_id,
        "person_id": person_id,
        "match_id": match_id,
        "kind": Kind(kind).value,
        "created_at": now,
    }


async def add_flags(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(InboxItem), list(rows))


async def dead_letters(conn: AsyncConnection, message_ids: Sequence[int], now: datetime) -> None:
    """One item per outbox message that is now dead, for the person it was for and their open
    pair, if any, in one statement (the dispatcher's group commit). A message to nobody we hold
    (a guardian's reply, a farewell) counts for the newest programme."""
    outbox, people = cast(Table, OutboxMessage.__table__), cast(Table, Person.__table__)
    matches, programmes = cast(Table, Match.__table__), cast(Table, Programme.__table__)
    person = outbox.c.person_id
    open_match = (
        select(func.max(matches.c.id))
        .where(
            or_(matches.c.youth_id == person, matches.c.mentor_id == person),
            matches.c.status.in_(OPEN),
        )
        .scalar_subquery()
    )
    programme = func.coalesce(
        people.c.programme_id, select(func.max(programmes.c.id)).scalar_subquery()
    )
    rows = (
        select(
            programme,
            person,
            open_match,
            literal(Kind.DEAD_LETTER.value),
            literal(now, outbox.c.created_at.type),
        )
        .select_from(outbox.outerjoin(people, people.c.id == person))
        .where(
            outbox.c.id.in_(list(message_ids)),
            outbox.c.status == OutboxStatus.DEAD,
            programme.is_not(None),
        )
    )
    columns = ["programme_id", "person_id", "match_id", "kind", "created_at"]
    await conn.execute(insert(InboxItem).from_select(columns, rows))
