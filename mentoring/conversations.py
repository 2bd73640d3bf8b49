"""A conversation's bookkeeping: the inbound key, the sender behind an address, their state.

The engine (`bot.engine`, ARCHITECTURE.md "A message in") asks these for every inbound event, so
the hot statements are built once and run in as few round trips as the databases allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import PersonStatus, Role
from mentoring.programmes import current_programme
from storage.models import ContactPoint, ConversationState, InboundKey, Invitation, Person

# The rows a conversation hands to bot/ (the person, their state): bot/ names them from here and
# changes them only through the turn and the domain's functions.
__all__ = [
    "ConversationState",
    "Person",
    "Sender",
    "find_sender",
    "invitation_by_id",
    "new_person",
    "new_state",
    "open_invitation",
    "seen_before",
    "state_of",
]

# Channels on which writing to us proves the address is the writer's.
SELF_PROVING = ("telegram", "sms", "web")


def _record_key(insert: Callable[..., Any]) -> Any:
    table = InboundKey.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.channel, table.c.key])
        .returning(table.c.id)
    )


# Built once: the engine's hot statements skip SQLAlchemy's construction and cache-key work.
RECORD_KEY = {"postgresql": _record_key(postgresql.insert), "sqlite": _record_key(sqlite.insert)}
SENDER = (
    select(Person, ContactPoint.verified, ConversationState)
    .join(ContactPoint, ContactPoint.person_id == Person.id)
    .outerjoin(ConversationState, ConversationState.person_id == Person.id)
    .where(
        ContactPoint.channel == bindparam("channel"), ContactPoint.address == bindparam("address")
    )
)


async def seen_before(session: AsyncSession, dedupe: tuple[str, str], *, now: datetime) -> bool:
    """Record the inbound key; True when it was already there.

    One statement, insert-unless-present: a concurrent transaction with the same key makes this
    one wait for it, then counts as seen (or goes ahead if the other rolled back). Keys are
    compared as stored (at most 64 characters), so an over-long one sent again is a repeat.
    """
    connection = await session.connection()
    inserted = await connection.scalar(
        RECORD_KEY[connection.dialect.name],
        {"channel": dedupe[0], "key": dedupe[1][:64], "received_at": now},
    )
    return inserted is None


@dataclass(frozen=True)
class Sender:
    person: Person
    verified: bool  # the contact point they wrote from
    state: ConversationState | None


async def find_sender(session: AsyncSession, channel: str, address: str) -> Sender | None:
    """The person behind a contact point, with their conversation state, in one statement (the
    state lands in the session, so `session.get` finds it without asking again)."""
    row = (await session.execute(SENDER, {"channel": channel, "address": address})).first()
    return Sender(row[0], bool(row[1]), row[2]) if row is not None else None


async def state_of(session: AsyncSession, person_id: int) -> ConversationState | None:
    return await session.get(ConversationState, person_id)


def new_state(session: AsyncSession, person_id: int, now: datetime) -> ConversationState:
    """A person's first conversation state: in no flow."""
    state = ConversationState(person_id=person_id, data={}, misses=0, updated_at=now)
    session.add(state)
    return state


async def new_person(
    session: AsyncSession, channel: str, address: str, language: str, now: datetime, tz: ZoneInfo
) -> Person:
    """An unknown sender: a person in sign-up in the current programme, reachable where they
    wrote from."""
    programme = await current_programme(session, now.astimezone(tz).date())
    person = Person(programme_id=programme.id, role=Role.UNKNOWN, language=language, created_at=now)
    person.status = PersonStatus.SIGNING_UP
    session.add(person)
    await session.flush()
    session.add(
        ContactPoint(
            person_id=person.id,
            channel=channel,
            address=address,
            verified=channel in SELF_PROVING,
        )
    )  # written with the turn's other changes at the next flush
    return person


async def invitation_by_id(session: AsyncSession, invitation_id: int) -> Invitation | None:
    """The invitation a mentor's sign-up started from (kept in the flow's data by its id)."""
    return await session.get(Invitation, invitation_id)


async def open_invitation(session: AsyncSession, code: str, now: datetime) -> Invitation | None:
    """A mentor invitation by its code, unless used or expired."""
    invitation = await session.scalar(select(Invitation).where(Invitation.code == code))
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at is not None and invitation.expires_at <= now:
        return None
    return invitation
